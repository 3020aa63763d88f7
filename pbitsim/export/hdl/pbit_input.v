// pbit_input.v -- from the exact wide sum A to the activation-table address (combinational).
//
// Reference RTL shipped with pbitsim; steps 3-5 and 7 of "The datapath the
// tables feed" in docs/fpga_export.md (bit-level rules: docs/datapath.md):
//
//   align     A <<= ALIGN_UP  or  A >>>= ALIGN_DOWN (arithmetic, floor)
//   overflow  saturate (clip) or wrap A to ACC_BITS two's complement
//   beta      a = A >>> BETA_SHIFT  (A << -BETA_SHIFT when negative; not re-saturated)
//   table     symmetric: index = min(|a|, SIZE-1), invert = (a < 0)
//             signed:    index = clip(a + SIZE/2, 0, SIZE-1), invert = 0
//
// `define PBIT_MUTANT_NO_SATURATE turns saturation into wrap-around: a
// deliberately wrong datapath that the test bench must reject (mutation test).
//
// Verilog-2005, synthesizable.
`timescale 1ns / 1ps
module pbit_input #(
    parameter integer SUM_BITS = 10,       // signed bits of A (PBIT_ADDER_BITS)
    parameter integer ACC_BITS = 6,
    parameter integer ALIGN_UP = 0,
    parameter integer ALIGN_DOWN = 0,
    parameter integer SATURATE = 1,
    parameter integer BETA_SHIFT = 0,
    parameter integer LUT_INPUT_BITS = 5,
    parameter integer SYMMETRIC = 1,
    // signed bits of a_in: max(ACC_BITS + max(-BETA_SHIFT, 0), LUT_INPUT_BITS) + 2 (two spare bits)
    parameter integer IN_BITS = 7
) (
    input  wire signed [SUM_BITS-1:0] sum,      // A
    output wire signed [ACC_BITS-1:0] acc,      // A after alignment and overflow
    output wire                       overflow, // the aligned A was outside the accumulator range
    output wire signed [IN_BITS-1:0]  a_in,      // after the beta shift: the table input
    output wire [LUT_INPUT_BITS-1:0]  index,    // table address
    output wire                       clipped,  // the address was clipped to the table
    output wire                       invert    // symmetric table and a < 0
);
    localparam integer AL_BITS = SUM_BITS + ALIGN_UP;
    localparam integer OW = (AL_BITS > ACC_BITS ? AL_BITS : ACC_BITS) + 1;
    localparam integer LSH = BETA_SHIFT < 0 ? -BETA_SHIFT : 0;
    localparam integer RSH = BETA_SHIFT > 0 ? BETA_SHIFT : 0;
    localparam integer IW = IN_BITS;
    localparam integer SIZE = 1 << LUT_INPUT_BITS;

    // align (sign-extended to OW bits first)
    wire signed [OW-1:0] wide = {{(OW - SUM_BITS){sum[SUM_BITS-1]}}, sum};
    wire signed [OW-1:0] aligned = (wide <<< ALIGN_UP) >>> ALIGN_DOWN;

    // overflow: the code range [-2**(ACC_BITS-1), 2**(ACC_BITS-1) - 1]
    wire signed [OW-1:0] acc_max = {{(OW - ACC_BITS + 1){1'b0}}, {(ACC_BITS - 1){1'b1}}};
    wire signed [OW-1:0] acc_min = ~acc_max;
    wire above = aligned > acc_max;
    wire below = aligned < acc_min;
    assign overflow = above | below;
    wire [ACC_BITS-1:0] low = aligned[ACC_BITS-1:0];   // wrap keeps the low bits
`ifdef PBIT_MUTANT_NO_SATURATE
    localparam integer SAT = 0;
`else
    localparam integer SAT = SATURATE;
`endif
    assign acc = (SAT == 0) ? low
               : above ? acc_max[ACC_BITS-1:0]
               : below ? acc_min[ACC_BITS-1:0]
               : low;

    // beta shift (arithmetic right, or left without re-saturation)
    wire signed [IW-1:0] acc_x = {{(IW - ACC_BITS){acc[ACC_BITS-1]}}, acc};
    assign a_in = (acc_x >>> RSH) <<< LSH;

    // table address
    wire negative = a_in[IW-1];
    generate
        if (SYMMETRIC != 0) begin : g_symmetric
            wire [IW-1:0] mag = negative ? -a_in : a_in;   // |a|; IW has a spare bit for it
            localparam [IW-1:0] TOP = SIZE - 1;
            assign clipped = mag > TOP;
            assign index = clipped ? {LUT_INPUT_BITS{1'b1}} : mag[LUT_INPUT_BITS-1:0];
            assign invert = negative;
        end else begin : g_signed
            wire signed [IW-1:0] half = SIZE / 2;
            wire signed [IW-1:0] pos = a_in + half;
            wire under = pos[IW-1];
            wire over = !under && (pos > SIZE - 1);
            assign clipped = under | over;
            assign index = under ? {LUT_INPUT_BITS{1'b0}} : over ? {LUT_INPUT_BITS{1'b1}} : pos[LUT_INPUT_BITS-1:0];
            assign invert = 1'b0;
        end
    endgenerate
endmodule
