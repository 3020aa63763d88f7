// pbit_compare.v -- threshold against random word: the new state bit (combinational).
//
// Reference RTL shipped with pbitsim; step 8 of "The datapath the tables
// feed" in docs/fpga_export.md.  The comparison is at min(K, L) bits, the
// wider side drops its low bits, and it is a strict '>':
//
//   K >= L:  plus = T > (w >> (K - L))
//   K <  L:  plus = (T >> (L - K)) > w
//   bit = plus ^ invert           (invert: symmetric table and a < 0)
//
// `define PBIT_MUTANT_GE_COMPARE uses '>=' instead: a deliberately wrong
// datapath that the test bench must reject (mutation test).
//
// Verilog-2005, synthesizable.
`timescale 1ns / 1ps
module pbit_compare #(
    parameter integer K = 32,   // random bits per update (PBIT_RNG_BITS)
    parameter integer L = 32    // threshold bits (PBIT_LUT_BITS)
) (
    input  wire [L-1:0] threshold,
    input  wire [K-1:0] word,
    input  wire         invert,
    output wire         bit_out
);
    wire plus;
    generate
        if (K >= L) begin : g_word_wider
            wire [L-1:0] w = word[K-1:K-L];
`ifdef PBIT_MUTANT_GE_COMPARE
            assign plus = threshold >= w;
`else
            assign plus = threshold > w;
`endif
        end else begin : g_threshold_wider
            wire [K-1:0] t = threshold[L-1:L-K];
`ifdef PBIT_MUTANT_GE_COMPARE
            assign plus = t >= word;
`else
            assign plus = t > word;
`endif
        end
    endgenerate
    assign bit_out = plus ^ invert;
endmodule
