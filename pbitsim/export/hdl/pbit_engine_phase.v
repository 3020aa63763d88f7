// pbit_engine_phase.v -- one colour phase per clock, like the published FPGA p-computers
// (Aadit et al., Nature Electronics 5, 460, 2022): every p-bit has its own
// adder chain over its neighbour row (PBIT_MAX_ROW terms), table and
// comparator; the p-bits of the active colour commit their new bit at the
// clock edge, the others hold.
//
// Reference RTL shipped with pbitsim (docs/fpga_export.md, "Reference RTL").
// Parameters come from the export's pbit_params.vh, the tables from its .mem
// files ($readmemh, working directory = the export directory).  The weights and
// neighbour addresses are loaded from the tables into per-p-bit registers at
// reset (as a host would write them), so one file serves every export.
//
// Per clock (colour c = 0, 1, ..., PBIT_N_COLORS-1, 0, ...):
//   shared LFSR registers advance STEPS shifts when c == 0 (before the p-bits read them);
//   every p-bit a with colour[a] == c: A = (bias[a] << BIAS_SHIFT) + sum +-(weight[e] << WEIGHT_SHIFT)
//   over its row, then align, overflow, beta shift, table, word, compare (pbit_input, pbit_compare);
//   per-p-bit registers of the active, free p-bits step STEPS times.
//
// Verilog-2005, synthesizable.
`timescale 1ns / 1ps
module pbit_engine_phase (
    clk, rst, run, init_state,
    state, lfsr_flat, phase_done
);
`include "pbit_params.vh"
    localparam integer N = PBIT_N;
    localparam integer NREG = PBIT_N_REGISTERS;
    localparam integer W = PBIT_LFSR_WIDTH;
    localparam integer K = PBIT_RNG_BITS;
    localparam integer L = PBIT_LUT_BITS;
    localparam integer SB = PBIT_ADDER_BITS;
    localparam integer AB = PBIT_ACC_BITS;
    localparam integer LIB = PBIT_LUT_INPUT_BITS;
    localparam integer LSH = PBIT_BETA_SHIFT < 0 ? -PBIT_BETA_SHIFT : 0;
    localparam integer IB = (AB + LSH > LIB ? AB + LSH : LIB) + 2;
    localparam integer NE = PBIT_N_ENTRIES > 0 ? PBIT_N_ENTRIES : 1;
    localparam integer EW = PBIT_INDPTR_WIDTH;
    localparam integer CW = PBIT_COLOUR_WIDTH;
    localparam integer AW = PBIT_NEIGHBOUR_WIDTH;
    localparam integer GW = PBIT_RNG_SLOT_WIDTH;
    localparam integer OW = PBIT_RNG_OFFSET_WIDTH;
    localparam integer MR = PBIT_MAX_ROW > 0 ? PBIT_MAX_ROW : 1;

    input  wire clk;
    input  wire rst;                 // synchronous: load init_state (stuck p-bits forced) and rng_seed
    input  wire run;                 // one colour phase per clock while high
    input  wire [N-1:0] init_state;  // bit a = address a, 1 = spin +1
    output reg  [N-1:0] state;
    output wire [NREG*W-1:0] lfsr_flat;   // register g in bits [g*W +: W]
    output reg  phase_done;

    // ---- tables (ROMs) ----
    `include "pbit_tables.vh"
    reg [CW-1:0] colour_mem [0:N-1];
    initial $readmemh("colour.mem", colour_mem);

    // ---- registers ----
    reg [CW-1:0] colour;
    wire [N-1:0] active, new_bit;
    wire [W-1:0] reg_read [0:NREG-1];   // shared: register g as the p-bits read it in this phase

    // ---- shared LFSR registers (per-p-bit registers live in the p-bit blocks below) ----
    // all shared registers advance STEPS shifts before every phase of colour 0
    genvar g, p;
    generate
        if (PBIT_LFSR_SHARED != 0) begin : g_shared_regs
            for (g = 0; g < NREG; g = g + 1) begin : g_reg
                reg [W-1:0] q;
                wire [W-1:0] stepped;
                pbit_lfsr_step #(.WIDTH(W), .TAP_MASK(PBIT_LFSR_TAP_MASK),
                                 .TOGGLE_MASK(PBIT_LFSR_TOGGLE_MASK), .XNOR(PBIT_LFSR_XNOR),
                                 .GALOIS(PBIT_LFSR_GALOIS), .STEPS(PBIT_LFSR_STEPS))
                    u_step (.s_in(q), .s_out(stepped));
                always @(posedge clk) begin
                    if (rst) q <= seed_mem[g];
                    else if (run && colour == 0) q <= stepped;
                end
                assign lfsr_flat[g*W +: W] = q;
                assign reg_read[g] = (colour == 0) ? stepped : q;
            end
        end
    endgenerate

    // ---- one datapath per p-bit ----
    generate
        for (p = 0; p < N; p = p + 1) begin : g_pbit
            // the p-bit's row, colour, stuck value and LFSR window in registers, loaded at reset
            // (as a host would write them): entry j = word j of nbr_row (neighbour address) and of
            // weight_row (weight << WEIGHT_SHIFT; 0 beyond the row)
            reg [MR*AW-1:0] nbr_row;
            reg [MR*SB-1:0] weight_row;
            reg [MR*AW-1:0] load_nbr;      // (assembled at reset)
            reg [MR*SB-1:0] load_weight;
            reg signed [SB-1:0] bias;
            reg [CW-1:0] colour_p;
            reg [1:0] stuck_p;
            reg [GW-1:0] slot_p;
            reg [OW-1:0] offset_p;
            wire active_p = (colour_p == colour);
            wire free_p = (stuck_p == 2'b00);
            integer j;
            /* verilator lint_off BLKSEQ */  // load_* are assembled with blocking assignments
            always @(posedge clk) begin
                if (rst) begin
                    bias <= $signed(bias_mem[p]) <<< PBIT_BIAS_SHIFT;
                    colour_p <= colour_mem[p];
                    stuck_p <= stuck_mem[p];
                    slot_p <= slot_mem[p];
                    offset_p <= offset_mem[p];
                    for (j = 0; j < MR; j = j + 1) begin
                        if (j < indptr_mem[p + 1] - indptr_mem[p]) begin
                            load_nbr[j*AW +: AW] = neighbour_mem[indptr_mem[p] + j];
                            load_weight[j*SB +: SB] = $signed(weight_mem[indptr_mem[p] + j]) <<< PBIT_WEIGHT_SHIFT;
                        end else begin
                            load_nbr[j*AW +: AW] = {AW{1'b0}};
                            load_weight[j*SB +: SB] = {SB{1'b0}};
                        end
                    end
                    nbr_row <= load_nbr;
                    weight_row <= load_weight;
                end
            end
            /* verilator lint_on BLKSEQ */
            // A = bias + sum_j +-weight_j, sign = the neighbour's state bit
            // (accumulated in `partial`, which nothing reads, so that `sum` changes once)
            reg signed [SB-1:0] partial, sum;
            integer t;
            always @* begin
                partial = bias;
                for (t = 0; t < MR; t = t + 1)
                    if (state[nbr_row[t*AW +: AW]])
                        partial = partial + $signed(weight_row[t*SB +: SB]);
                    else
                        partial = partial - $signed(weight_row[t*SB +: SB]);
                sum = partial;
            end
            wire signed [AB-1:0] acc;
            wire overflow, clipped, invert, plus;
            wire signed [IB-1:0] a_in;
            wire [LIB-1:0] index;
            pbit_input #(.SUM_BITS(SB), .ACC_BITS(AB), .ALIGN_UP(PBIT_ACC_ALIGN_UP),
                         .ALIGN_DOWN(PBIT_ACC_ALIGN_DOWN), .SATURATE(PBIT_ACC_SATURATE),
                         .BETA_SHIFT(PBIT_BETA_SHIFT), .LUT_INPUT_BITS(LIB), .SYMMETRIC(PBIT_LUT_SYMMETRIC),
                         .IN_BITS(IB))
                u_input (.sum(sum), .acc(acc), .overflow(overflow), .a_in(a_in), .index(index),
                         .clipped(clipped), .invert(invert));
            wire [W-1:0] window;
            if (PBIT_LFSR_SHARED != 0) begin : g_shared
                assign window = reg_read[slot_p] >> offset_p;
            end else begin : g_own
                // register p belongs to address p and steps STEPS times at each update of a free p-bit
                reg [W-1:0] q;
                pbit_lfsr_step #(.WIDTH(W), .TAP_MASK(PBIT_LFSR_TAP_MASK),
                                 .TOGGLE_MASK(PBIT_LFSR_TOGGLE_MASK), .XNOR(PBIT_LFSR_XNOR),
                                 .GALOIS(PBIT_LFSR_GALOIS), .STEPS(PBIT_LFSR_STEPS))
                    u_step (.s_in(q), .s_out(window));
                always @(posedge clk) begin
                    if (rst) q <= seed_mem[p];
                    else if (run && active_p && free_p) q <= window;
                end
                assign lfsr_flat[p*W +: W] = q;
            end
            pbit_compare #(.K(K), .L(L)) u_compare (.threshold(lut_mem[index]), .word(window[K-1:0]),
                                                    .invert(invert), .bit_out(plus));
            assign active[p] = active_p;
            assign new_bit[p] = free_p ? plus : ~stuck_p[1];
        end
    endgenerate

    // ---- clocked update: the state vector and the colour ----
    always @(posedge clk) begin
        phase_done <= 1'b0;
        if (rst) begin
            colour <= {CW{1'b0}};
            for (i = 0; i < N; i = i + 1)
                state[i] <= (stuck_mem[i] == 2'b00) ? init_state[i] : ~stuck_mem[i][1];
        end else if (run) begin
            state <= (state & ~active) | (new_bit & active);   // one update of the whole vector
            colour <= (colour == PBIT_N_COLORS - 1) ? {CW{1'b0}} : colour + 1'b1;
            phase_done <= 1'b1;
        end
    end
endmodule
