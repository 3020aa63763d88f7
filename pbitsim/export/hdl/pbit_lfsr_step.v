// pbit_lfsr_step.v -- STEPS shifts of one pbitsim LFSR register (combinational).
//
// Reference RTL shipped with pbitsim (docs/fpga_export.md, "Reference RTL").
// Register bit i is XAPP052 stage i+1; the register shifts from bit 0 towards
// bit WIDTH-1; TAP_MASK has bit t-1 set for tap t (docs/datapath.md).
//
//   Fibonacci: fb = ^(s & TAP_MASK) (complemented for XNOR);
//              s' = {s[WIDTH-2:0], fb}
//   Galois:    s' = ({s[WIDTH-2:0], 1'b0}) ^ (s[WIDTH-1] ? TOGGLE_MASK : 0),
//              TOGGLE_MASK = TAP_MASK bit-reversed within WIDTH bits;
//              XNOR Galois is the complement conjugate: s' = ~step_xor(~s).
//
// Verilog-2005, synthesizable.
`timescale 1ns / 1ps
module pbit_lfsr_step #(
    parameter integer WIDTH = 32,
    parameter [63:0] TAP_MASK = 64'h0000000080200003,
    parameter [63:0] TOGGLE_MASK = 64'h00000000C0000401,
    parameter integer XNOR = 1,
    parameter integer GALOIS = 0,
    parameter integer STEPS = 1
) (
    input  wire [WIDTH-1:0] s_in,
    output wire [WIDTH-1:0] s_out
);
    localparam [WIDTH-1:0] TAPS = TAP_MASK[WIDTH-1:0];
    localparam [WIDTH-1:0] TOGGLE = TOGGLE_MASK[WIDTH-1:0];
    localparam [WIDTH-1:0] FLIP = (XNOR != 0) ? {WIDTH{1'b1}} : {WIDTH{1'b0}};

    // step i maps g_step[i].prev to g_step[i].next
    genvar i;
    generate
        for (i = 0; i < STEPS; i = i + 1) begin : g_step
            wire [WIDTH-1:0] prev;
            wire [WIDTH-1:0] next;
            if (i == 0) begin : g_first
                assign prev = s_in;
            end else begin : g_later
                assign prev = g_step[i - 1].next;
            end
            if (GALOIS == 0) begin : g_fibonacci
                wire fb = (^(prev & TAPS)) ^ FLIP[0];
                assign next = {prev[WIDTH-2:0], fb};
            end else begin : g_galois
                wire [WIDTH-1:0] x = prev ^ FLIP;   // XNOR: work on the complement
                wire [WIDTH-1:0] y = {x[WIDTH-2:0], 1'b0} ^ (x[WIDTH-1] ? TOGGLE : {WIDTH{1'b0}});
                assign next = y ^ FLIP;
            end
        end
    endgenerate

    assign s_out = g_step[STEPS - 1].next;
endmodule
