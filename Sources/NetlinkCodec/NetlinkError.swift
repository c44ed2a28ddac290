/// The one error type of the netlink layers: what went wrong, during which operation,
/// and whatever the kernel said about it (errno, extended-ack message and offset).
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Equatable, Sendable {
        /// Fewer bytes than a header or a fixed-size field needs.
        case truncated
        /// A length field that is too small for its own header or points past the data.
        case invalidLength
        /// A length or offset that breaks netlink's four-byte alignment.
        case misaligned
        /// An attribute whose payload does not fit the type the reader asked for.
        case invalidAttribute(type: UInt16)
        /// A required attribute is absent.
        case missingAttribute(type: UInt16)
        /// A message of a type or command the caller did not expect.
        case unexpectedMessage
        /// The kernel answered with NLMSG_ERROR carrying this (positive) errno.
        case kernel(errno: Int32)
        /// A system call failed with this errno.
        case system(errno: Int32)
        /// ENOBUFS on receive: the kernel dropped messages for this socket; state must be refetched.
        case overrun
        /// No answer arrived in time.
        case timedOut
        /// A generic netlink family or multicast group is not registered.
        case notFound
        /// An attribute to encode whose length (header included) does not fit nla_len's 16 bits.
        case attributeTooLong(type: UInt16, length: Int)
    }

    public var code: Code
    /// The operation that failed, e.g. "decode nlmsghdr" or "OPTIONS_SET mode".
    public var operation: String
    /// Byte offset into the decoded input where the problem was found, when decoding.
    public var byteOffset: Int?
    /// NLMSGERR_ATTR_MSG: the kernel's extended-ack text.
    public var kernelMessage: String?
    /// NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request.
    public var kernelOffset: UInt32?

    public init(_ code: Code, operation: String, byteOffset: Int? = nil,
                kernelMessage: String? = nil, kernelOffset: UInt32? = nil) {
        self.code = code
        self.operation = operation
        self.byteOffset = byteOffset
        self.kernelMessage = kernelMessage
        self.kernelOffset = kernelOffset
    }

    /// The errno this error stands for, as a C caller would see it.
    public var errno: Int32? {
        switch code {
        case .kernel(let e), .system(let e): return e
        case .overrun: return 105      // ENOBUFS
        case .timedOut: return 110     // ETIMEDOUT
        case .notFound: return 2       // ENOENT
        case .attributeTooLong: return 90 // EMSGSIZE, as nla_put reports it
        case .truncated, .invalidLength, .misaligned, .invalidAttribute, .missingAttribute,
             .unexpectedMessage: return 22 // EINVAL
        }
    }

    public var description: String {
        var text = "\(operation): \(code)"
        if let byteOffset { text += " at byte \(byteOffset)" }
        if let kernelMessage { text += " (\(kernelMessage))" }
        if let kernelOffset { text += " [attribute offset \(kernelOffset)]" }
        return text
    }
}
