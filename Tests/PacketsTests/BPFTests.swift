import Testing
@testable import Packets

@Suite("classic BPF")
struct BPFTests {
    @Test("the LACPDU filter accepts captured LACPDUs and marker PDUs and drops other frames")
    func lacpFilter() {
        let program = BPFProgram.lacpdus
        for frame in [CapturedLACPDU.teamdFirst, CapturedLACPDU.bondingDefaulted, CapturedLACPDU.bondingInSync] {
            #expect(program.run(on: frame) > 0)
        }
        var marker = CapturedLACPDU.teamdInSync; marker[14] = 2
        #expect(program.run(on: marker) > 0, "a marker PDU passes: the runner counts it")
        var oam = CapturedLACPDU.teamdInSync; oam[14] = 3
        #expect(program.run(on: oam) == 0, "OAM is slow protocols but not link aggregation")
        var ipv4 = CapturedLACPDU.teamdInSync; ipv4[12] = 0x08; ipv4[13] = 0x00
        #expect(program.run(on: ipv4) == 0)
        #expect(program.run(on: Array(CapturedLACPDU.teamdInSync.prefix(13))) == 0, "a load past the end drops")
        #expect(program.run(on: Array(CapturedLACPDU.teamdInSync.prefix(15))) > 0)
    }

    @Test("sock_filter encoding: code, jt, jf, k in host (little-endian) order")
    func encoding() {
        let jeq = BPFInstruction.jumpIfEqual(0x8809, true: 0, false: 3)
        #expect(jeq.encoded == [0x15, 0x00, 0x00, 0x03, 0x09, 0x88, 0x00, 0x00])
        #expect(BPFInstruction.loadHalf(at: 12).encoded == [0x28, 0x00, 0, 0, 12, 0, 0, 0])
        #expect(BPFInstruction.accept(0).encoded == [0x06, 0x00, 0, 0, 0, 0, 0, 0])
    }

    @Test("the interpreter: ALU, X register, scratch memory, msh and jumps")
    func interpreter() {
        // A = b[0] ^ b[1]; X = A; A = (b[2] & 0xf) * 4 via msh into X, then A = X + A; return A.
        let program = BPFProgram([
            .loadByte(at: 0),
            BPFInstruction(code: BPFInstruction.ldx | BPFInstruction.byte | BPFInstruction.abs, k: 1),
            BPFInstruction(code: BPFInstruction.alu | 0xa0 | BPFInstruction.sourceX),          // A ^= X
            BPFInstruction(code: 0x02, k: 3),                                                     // M[3] = A
            BPFInstruction(code: BPFInstruction.ldx | BPFInstruction.byte | BPFInstruction.msh, k: 2),
            BPFInstruction(code: BPFInstruction.ld | 0x60, k: 3),                                 // A = M[3]
            BPFInstruction(code: BPFInstruction.alu | 0x00 | BPFInstruction.sourceX),          // A += X
            BPFInstruction(code: BPFInstruction.jmp | BPFInstruction.jgt, jumpIfTrue: 1, jumpIfFalse: 0, k: 100),
            .accept(1),
            BPFInstruction(code: BPFInstruction.ret | BPFInstruction.returnA),
        ])
        // 0x0f ^ 0xf0 = 0xff; (0x45 & 0xf) * 4 = 20; 255 + 20 = 275 > 100 -> return A.
        #expect(program.run(on: [0x0f, 0xf0, 0x45]) == 275)
        // 1 ^ 1 = 0; 0x41 -> 4; 4 <= 100 -> return 1.
        #expect(program.run(on: [1, 1, 0x41]) == 1)
        #expect(program.run(on: [1, 1]) == 0, "msh past the end")
        #expect(BPFProgram([]).run(on: [1]) == 0, "falling off the end drops")
    }
}
