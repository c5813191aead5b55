//go:build amd64 && !purego

#include "textflag.h"

// AES-128-CBC with AES-NI. Every memory access is MOVOU (no alignment is
// assumed of keys, IVs or buffers); legacy SSE encodings only.

// One step of the AES-128 key expansion: X0 holds round key i, X4 is scratch
// whose low lanes must start as zero; X0 becomes round key i+1, stored at BX.
#define EXPAND(rcon) \
	AESKEYGENASSIST $rcon, X0, X1; \
	PSHUFD          $0xff, X1, X1; \
	SHUFPS          $0x10, X0, X4; \
	PXOR            X4, X0; \
	SHUFPS          $0x8c, X0, X4; \
	PXOR            X4, X0; \
	PXOR            X1, X0; \
	MOVOU           X0, (BX); \
	ADDQ            $16, BX

// dec[DX+to] = InvMixColumns(enc[R8+from]).
#define INVKEY(from, to) \
	MOVOU  from(R8), X1; \
	AESIMC X1, X0; \
	MOVOU  X0, to(DX)

// func expandKeyAsm(key *byte, enc *[176]byte, dec *[176]byte)
TEXT ·expandKeyAsm(SB), NOSPLIT, $0-24
	MOVQ  key+0(FP), AX
	MOVQ  enc+8(FP), BX
	MOVQ  dec+16(FP), DX
	MOVQ  BX, R8
	MOVOU (AX), X0
	MOVOU X0, (BX)
	ADDQ  $16, BX
	PXOR  X4, X4
	EXPAND(0x01)
	EXPAND(0x02)
	EXPAND(0x04)
	EXPAND(0x08)
	EXPAND(0x10)
	EXPAND(0x20)
	EXPAND(0x40)
	EXPAND(0x80)
	EXPAND(0x1b)
	EXPAND(0x36)

	// dec[0] = enc[10], dec[i] = InvMixColumns(enc[10-i]) for i = 1..9, dec[10] = enc[0].
	MOVOU 160(R8), X0
	MOVOU X0, 0(DX)
	INVKEY(144, 16)
	INVKEY(128, 32)
	INVKEY(112, 48)
	INVKEY(96, 64)
	INVKEY(80, 80)
	INVKEY(64, 96)
	INVKEY(48, 112)
	INVKEY(32, 128)
	INVKEY(16, 144)
	MOVOU 0(R8), X0
	MOVOU X0, 160(DX)
	RET

// Rounds 1..9 of one block in X0 with the round keys in X2..X10.
#define ENC9 \
	AESENC X2, X0; \
	AESENC X3, X0; \
	AESENC X4, X0; \
	AESENC X5, X0; \
	AESENC X6, X0; \
	AESENC X7, X0; \
	AESENC X8, X0; \
	AESENC X9, X0; \
	AESENC X10, X0

// func encryptBlocks(xk *[176]byte, iv *[16]byte, dst *byte, src *byte, n int)
//
// Serial by nature; round keys 0..10 live in X1..X11. The next plaintext
// block is folded into the last round key: AESENCLAST with
// rk10^rk0^P[i+1] yields C[i]^P[i+1]^rk0, the next block's state after its
// whitening, so the chain carries only the AES round latencies. C[i] itself
// is recovered off the chain as that value ^ (P[i+1]^rk0).
TEXT ·encryptBlocks(SB), NOSPLIT, $0-40
	MOVQ xk+0(FP), AX
	MOVQ iv+8(FP), R8
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ n+32(FP), CX
	MOVOU 0(AX), X1
	MOVOU 16(AX), X2
	MOVOU 32(AX), X3
	MOVOU 48(AX), X4
	MOVOU 64(AX), X5
	MOVOU 80(AX), X6
	MOVOU 96(AX), X7
	MOVOU 112(AX), X8
	MOVOU 128(AX), X9
	MOVOU 144(AX), X10
	MOVOU 160(AX), X11
	MOVO  X1, X12
	PXOR  X11, X12 // rk0 ^ rk10
	MOVOU (R8), X0
	MOVOU (SI), X13
	PXOR  X1, X13
	PXOR  X13, X0  // IV ^ P[0] ^ rk0
	DECQ  CX
	JZ    enc_last

enc_loop:
	ENC9
	MOVOU      16(SI), X13
	PXOR       X12, X13 // P[i+1] ^ rk0 ^ rk10
	AESENCLAST X13, X0  // C[i] ^ P[i+1] ^ rk0
	PXOR       X11, X13 // P[i+1] ^ rk0
	MOVO       X0, X14
	PXOR       X13, X14 // C[i]
	MOVOU      X14, (DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JNZ        enc_loop

enc_last:
	ENC9
	AESENCLAST X11, X0
	MOVOU      X0, (DI)
	MOVOU      X0, (R8)
	RET

// One decryption round, round key at off(AX), over 8 / 4 / 1 lanes.
#define DEC8(off) \
	MOVOU  off(AX), X8; \
	AESDEC X8, X0; \
	AESDEC X8, X1; \
	AESDEC X8, X2; \
	AESDEC X8, X3; \
	AESDEC X8, X4; \
	AESDEC X8, X5; \
	AESDEC X8, X6; \
	AESDEC X8, X7

#define DEC4(off) \
	MOVOU  off(AX), X8; \
	AESDEC X8, X0; \
	AESDEC X8, X1; \
	AESDEC X8, X2; \
	AESDEC X8, X3

#define DEC1(off) \
	MOVOU  off(AX), X8; \
	AESDEC X8, X0

// Rounds 1..9 over n lanes.
#define ROUNDS(DEC) \
	DEC(16); DEC(32); DEC(48); DEC(64); DEC(80); DEC(96); DEC(112); DEC(128); DEC(144)

// Lane x: load src block at off, whiten it with rk0.
#define LOAD(off, x) \
	MOVOU off(SI), x; \
	PXOR  X11, x

// Lane x, last round: AESDECLAST with rk10 ^ the previous ciphertext block
// (at prev(SI)) does the final round and the CBC xor at once.
#define LAST(prev, x) \
	MOVOU      prev(SI), X9; \
	PXOR       X10, X9; \
	AESDECLAST X9, x

// func decryptBlocks(xk *[176]byte, iv *[16]byte, dst *byte, src *byte, n int)
//
// Parallel: eight blocks in flight (X0..X7), one round key at a time in X8,
// rk0 in X11, rk10 in X10, the chain (previous ciphertext block) in X15.
// Every source block of a group is read before any of its outputs is
// stored, so dst == src works. Then four at a time, then one.
TEXT ·decryptBlocks(SB), NOSPLIT, $0-40
	MOVQ  xk+0(FP), AX
	MOVQ  iv+8(FP), R8
	MOVQ  dst+16(FP), DI
	MOVQ  src+24(FP), SI
	MOVQ  n+32(FP), CX
	MOVOU (R8), X15
	MOVOU 0(AX), X11
	MOVOU 160(AX), X10
	CMPQ  CX, $8
	JB    dec_4

dec_loop8:
	LOAD(0, X0); LOAD(16, X1); LOAD(32, X2); LOAD(48, X3)
	LOAD(64, X4); LOAD(80, X5); LOAD(96, X6); LOAD(112, X7)
	ROUNDS(DEC8)
	MOVO       X15, X9
	PXOR       X10, X9
	AESDECLAST X9, X0
	LAST(0, X1); LAST(16, X2); LAST(32, X3); LAST(48, X4)
	LAST(64, X5); LAST(80, X6); LAST(96, X7)
	MOVOU      112(SI), X15 // the next chain, read before dst (maybe src) is written
	MOVOU      X0, 0(DI)
	MOVOU      X1, 16(DI)
	MOVOU      X2, 32(DI)
	MOVOU      X3, 48(DI)
	MOVOU      X4, 64(DI)
	MOVOU      X5, 80(DI)
	MOVOU      X6, 96(DI)
	MOVOU      X7, 112(DI)
	ADDQ       $128, SI
	ADDQ       $128, DI
	SUBQ       $8, CX
	CMPQ       CX, $8
	JAE        dec_loop8

dec_4:
	CMPQ CX, $4
	JB   dec_1
	LOAD(0, X0); LOAD(16, X1); LOAD(32, X2); LOAD(48, X3)
	ROUNDS(DEC4)
	MOVO       X15, X9
	PXOR       X10, X9
	AESDECLAST X9, X0
	LAST(0, X1); LAST(16, X2); LAST(32, X3)
	MOVOU      48(SI), X15
	MOVOU      X0, 0(DI)
	MOVOU      X1, 16(DI)
	MOVOU      X2, 32(DI)
	MOVOU      X3, 48(DI)
	ADDQ       $64, SI
	ADDQ       $64, DI
	SUBQ       $4, CX

dec_1:
	TESTQ CX, CX
	JZ    dec_done

dec_loop1:
	MOVOU      (SI), X0
	MOVO       X0, X9 // this block is the next chain
	PXOR       X11, X0
	ROUNDS(DEC1)
	AESDECLAST X10, X0
	PXOR       X15, X0
	MOVO       X9, X15
	MOVOU      X0, (DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JNZ        dec_loop1

dec_done:
	MOVOU X15, (R8)
	RET

// One 256-bit round over Y0..Y7 (two blocks each), the round key at off(AX)
// broadcast to both lanes of Y8.
#define WDEC(off) \
	VBROADCASTI128 off(AX), Y8; \
	VAESDEC        Y8, Y0, Y0; \
	VAESDEC        Y8, Y1, Y1; \
	VAESDEC        Y8, Y2, Y2; \
	VAESDEC        Y8, Y3, Y3; \
	VAESDEC        Y8, Y4, Y4; \
	VAESDEC        Y8, Y5, Y5; \
	VAESDEC        Y8, Y6, Y6; \
	VAESDEC        Y8, Y7, Y7

// Lane pair y, last round: the previous two ciphertext blocks start at
// prev(SI), one block before the pair.
#define WLAST(prev, y) \
	VPXOR       prev(SI), Y10, Y9; \
	VAESDECLAST Y9, y, y

// func decryptBlocksVAES(xk *[176]byte, iv *[16]byte, dst *byte, src *byte, n int)
//
// VAES (256-bit AESDEC): sixteen blocks in flight, two per Y register. n is a
// positive multiple of 16. As decryptBlocks: rk0 in Y11, rk10 in Y10 (both
// broadcast), the chain in X15, every source block of a group read before
// any output is stored. Ends with VZEROUPPER.
TEXT ·decryptBlocksVAES(SB), NOSPLIT, $0-40
	MOVQ           xk+0(FP), AX
	MOVQ           iv+8(FP), R8
	MOVQ           dst+16(FP), DI
	MOVQ           src+24(FP), SI
	MOVQ           n+32(FP), CX
	VMOVDQU        (R8), X15
	VBROADCASTI128 0(AX), Y11
	VBROADCASTI128 160(AX), Y10

wdec_loop16:
	VPXOR 0(SI), Y11, Y0
	VPXOR 32(SI), Y11, Y1
	VPXOR 64(SI), Y11, Y2
	VPXOR 96(SI), Y11, Y3
	VPXOR 128(SI), Y11, Y4
	VPXOR 160(SI), Y11, Y5
	VPXOR 192(SI), Y11, Y6
	VPXOR 224(SI), Y11, Y7
	WDEC(16); WDEC(32); WDEC(48); WDEC(64); WDEC(80)
	WDEC(96); WDEC(112); WDEC(128); WDEC(144)
	VINSERTI128 $1, 0(SI), Y15, Y9 // (chain, block 0)
	VPXOR       Y10, Y9, Y9
	VAESDECLAST Y9, Y0, Y0
	WLAST(16, Y1); WLAST(48, Y2); WLAST(80, Y3); WLAST(112, Y4)
	WLAST(144, Y5); WLAST(176, Y6); WLAST(208, Y7)
	VMOVDQU     240(SI), X15 // the next chain, read before dst (maybe src) is written
	VMOVDQU     Y0, 0(DI)
	VMOVDQU     Y1, 32(DI)
	VMOVDQU     Y2, 64(DI)
	VMOVDQU     Y3, 96(DI)
	VMOVDQU     Y4, 128(DI)
	VMOVDQU     Y5, 160(DI)
	VMOVDQU     Y6, 192(DI)
	VMOVDQU     Y7, 224(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $16, CX
	JNZ         wdec_loop16

	VMOVDQU    X15, (R8)
	VZEROUPPER
	RET
