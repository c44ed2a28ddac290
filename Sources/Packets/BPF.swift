/// One classic BPF instruction (struct sock_filter): what SO_ATTACH_FILTER takes, and what the team driver's
/// `bpf_hash_func` option holds.
public struct BPFInstruction: Hashable, Sendable {
    public var code: UInt16
    public var jumpIfTrue: UInt8
    public var jumpIfFalse: UInt8
    public var k: UInt32

    public init(code: UInt16, jumpIfTrue: UInt8 = 0, jumpIfFalse: UInt8 = 0, k: UInt32 = 0) {
        self.code = code
        self.jumpIfTrue = jumpIfTrue
        self.jumpIfFalse = jumpIfFalse
        self.k = k
    }

    // The opcode parts of linux/filter.h (BPF_CLASS, BPF_SIZE, BPF_MODE, BPF_OP, BPF_SRC).
    public static let ld: UInt16 = 0x00, ldx: UInt16 = 0x01, alu: UInt16 = 0x04, jmp: UInt16 = 0x05
    public static let ret: UInt16 = 0x06, misc: UInt16 = 0x07
    public static let word: UInt16 = 0x00, half: UInt16 = 0x08, byte: UInt16 = 0x10
    public static let imm: UInt16 = 0x00, abs: UInt16 = 0x20, ind: UInt16 = 0x40, msh: UInt16 = 0xa0
    public static let jeq: UInt16 = 0x10, jgt: UInt16 = 0x20, jge: UInt16 = 0x30, jset: UInt16 = 0x40
    public static let ja: UInt16 = 0x00
    /// BPF_K, BPF_X (operand source) and BPF_A (return A).
    public static let sourceK: UInt16 = 0x00, sourceX: UInt16 = 0x08, returnA: UInt16 = 0x10

    /// `ldh [offset]`
    public static func loadHalf(at offset: UInt32) -> BPFInstruction { .init(code: ld | half | abs, k: offset) }
    /// `ldb [offset]`
    public static func loadByte(at offset: UInt32) -> BPFInstruction { .init(code: ld | byte | abs, k: offset) }
    /// `ld [offset]`
    public static func loadWord(at offset: UInt32) -> BPFInstruction { .init(code: ld | word | abs, k: offset) }
    /// `jeq #value, +t, +f` (jumps are relative to the next instruction).
    public static func jumpIfEqual(_ value: UInt32, true t: UInt8, false f: UInt8) -> BPFInstruction {
        .init(code: jmp | jeq | sourceK, jumpIfTrue: t, jumpIfFalse: f, k: value)
    }
    /// `ret #bytes`: accept that many bytes of the packet (0 drops it).
    public static func accept(_ bytes: UInt32) -> BPFInstruction { .init(code: ret | sourceK, k: bytes) }

    /// The 8 bytes of struct sock_filter, in host order as the kernel reads them.
    public var encoded: [UInt8] {
        var b: [UInt8] = []
        withUnsafeBytes(of: code.littleEndian) { b += $0 }
        b += [jumpIfTrue, jumpIfFalse]
        withUnsafeBytes(of: k.littleEndian) { b += $0 }
        return b
    }
}

/// A classic BPF program and the small ones teamd needs.
public struct BPFProgram: Hashable, Sendable {
    public var instructions: [BPFInstruction]

    public init(_ instructions: [BPFInstruction]) { self.instructions = instructions }

    /// Accepts the link aggregation protocols only: EtherType 0x8809 and slow protocols subtype 1
    /// (LACP) or 2 (Marker, which the lacp runner counts); everything else (OAM, ...) is dropped in the
    /// kernel, before it wakes the daemon. For a SOCK_RAW packet socket, whose frames start at the
    /// Ethernet header (an 802.1Q tag is taken out by the kernel before the filter).
    public static let lacpdus = BPFProgram([
        .loadHalf(at: 12),
        .jumpIfEqual(UInt32(EtherType.slowProtocols), true: 0, false: 4),
        .loadByte(at: 14),
        .jumpIfEqual(UInt32(LACPDU.subtype), true: 1, false: 0),
        .jumpIfEqual(2, true: 0, false: 1),
        .accept(0xffff_ffff),
        .accept(0),
    ])

    /// What the program returns for `packet` (with `vlanTag` beside it, as the kernel keeps a tag): the
    /// number of bytes to keep (a socket filter) or the hash (`bpf_hash_func`). The kernel's rules:
    /// a load beyond the packet ends the program with 0; a jump out of the program or an unknown
    /// instruction does too (the kernel refuses such a program when it is attached). For tests.
    public func run(on packet: [UInt8], vlanTag: UInt16? = nil) -> UInt32 {
        run(on: packet, metadata: BPFMetadata(vlanTag: vlanTag))
    }

    /// BPF_ALU: A op operand; nil (the program ends with 0) for a division by zero or an unknown op.
    private static func alu(_ code: UInt16, _ a: UInt32, _ operand: UInt32) -> UInt32? {
        switch code & 0xf0 {
        case 0x00: return a &+ operand
        case 0x10: return a &- operand
        case 0x20: return a &* operand
        case 0x30: return operand == 0 ? nil : a / operand
        case 0x40: return a | operand
        case 0x50: return a & operand
        case 0x60: return operand < 32 ? a << operand : 0
        case 0x70: return operand < 32 ? a >> operand : 0
        case 0x80: return 0 &- a
        case 0x90: return operand == 0 ? nil : a % operand
        case 0xa0: return a ^ operand
        default: return nil
        }
    }

    /// The same with all the packet metadata the SKF_AD loads read (EtherType, packet type, VLAN tag).
    public func run(on packet: [UInt8], metadata: BPFMetadata) -> UInt32 {
        var a: UInt32 = 0, x: UInt32 = 0
        var scratch = [UInt32](repeating: 0, count: 16)
        var pc = 0
        func load(_ size: Int, _ offset: Int) -> UInt32? {
            guard offset >= 0, offset + size <= packet.count else { return nil }
            return packet[offset..<(offset + size)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        while pc < instructions.count {
            let i = instructions[pc]
            pc += 1
            let cls = i.code & 0x07
            switch cls {
            case BPFInstruction.ld, BPFInstruction.ldx:
                let size: Int
                switch i.code & 0x18 { case BPFInstruction.word: size = 4; case BPFInstruction.half: size = 2; default: size = 1 }
                let value: UInt32
                switch i.code & 0xe0 {
                case BPFInstruction.imm: value = i.k
                case BPFInstruction.abs where i.k >= BPFMetadata.base:
                    // Ancillary data (SKF_AD_OFF + n): EtherType, packet type, the VLAN tag and whether there is one.
                    guard let v = metadata.value(at: i.k) else { return 0 }; value = v
                case BPFInstruction.abs: guard let v = load(size, Int(i.k)) else { return 0 }; value = v
                case BPFInstruction.ind: guard let v = load(size, Int(x) &+ Int(i.k)) else { return 0 }; value = v
                case BPFInstruction.msh: guard let v = load(1, Int(i.k)) else { return 0 }; value = (v & 0x0f) << 2
                case 0x60: guard i.k < 16 else { return 0 }; value = scratch[Int(i.k)]   // BPF_MEM
                case 0x80: value = UInt32(packet.count)                                  // BPF_LEN
                default: return 0
                }
                if cls == BPFInstruction.ld { a = value } else { x = value }
            case 0x02: guard i.k < 16 else { return 0 }; scratch[Int(i.k)] = a            // BPF_ST
            case 0x03: guard i.k < 16 else { return 0 }; scratch[Int(i.k)] = x            // BPF_STX
            case BPFInstruction.alu:
                guard let result = Self.alu(i.code, a, i.code & 0x08 == BPFInstruction.sourceX ? x : i.k) else { return 0 }
                a = result
            case BPFInstruction.jmp:
                let operand = i.code & 0x08 == BPFInstruction.sourceX ? x : i.k
                let taken: Bool
                switch i.code & 0xf0 {
                case BPFInstruction.ja: pc += Int(i.k); continue
                case BPFInstruction.jeq: taken = a == operand
                case BPFInstruction.jgt: taken = a > operand
                case BPFInstruction.jge: taken = a >= operand
                case BPFInstruction.jset: taken = a & operand != 0
                default: return 0
                }
                pc += Int(taken ? i.jumpIfTrue : i.jumpIfFalse)
            case BPFInstruction.ret:
                switch i.code & 0x18 { case BPFInstruction.returnA: return a; case BPFInstruction.sourceK: return i.k; default: return 0 }
            case BPFInstruction.misc:
                if i.code & 0xf8 == 0 { x = a } else { a = x }   // BPF_TAX, BPF_TXA
            default:
                return 0
            }
        }
        return 0
    }
}
