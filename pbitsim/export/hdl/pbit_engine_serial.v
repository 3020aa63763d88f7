// pbit_engine_serial.v -- time-multiplexed p-bit engine: one multiply-accumulate per clock.
//
// Reference RTL shipped with pbitsim (docs/fpga_export.md, "Reference RTL").
// Parameters come from the export's pbit_params.vh, the tables from its .mem
// files (read with $readmemh from the simulator's working directory: run it
// in the export directory).
//
// One colour phase c visits the addresses phase_ptr[c] .. phase_ptr[c+1]-1 in
// order.  For each p-bit a (stuck p-bits skip the sum):
//
//   ROW     A = bias[a] << BIAS_SHIFT                                 (1 clock)
//   MAC     A += +-(weight[e] << WEIGHT_SHIFT), sign = state bit of
//           neighbour[e], e = indptr[a] .. indptr[a+1]-1              (1 clock per entry)
//   DECIDE  align, overflow, beta shift, table, LFSR word, compare;
//           next[a] = new bit; a per-p-bit register steps STEPS times  (1 clock)
//
// Every p-bit of the phase reads the state as it was at the start of the
// phase (the new bits go to `next` and are committed when the phase ends,
// with a one-clock `phase_done` pulse).  Shared LFSR registers advance STEPS
// shifts each, one register per clock, before every phase of colour 0.
//
// The upd_* outputs show the DECIDE step (valid when upd_valid) for traces.
// Verilog-2005, synthesizable (memories are ROMs initialised by $readmemh).
`timescale 1ns / 1ps
module pbit_engine_serial (
    clk, rst, run, init_state,
    state, lfsr_flat, phase_done,
    upd_valid, upd_address, upd_sum, upd_acc, upd_overflow, upd_a_in, upd_index, upd_threshold, upd_word,
    upd_bit
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
    localparam integer EW = PBIT_INDPTR_WIDTH;      // entry-index bits
    localparam integer CW = PBIT_COLOUR_WIDTH;      // colour bits
    localparam integer AW = PBIT_NEIGHBOUR_WIDTH;   // address bits
    localparam integer GW = PBIT_RNG_SLOT_WIDTH;    // shared register index bits
    localparam integer OW = PBIT_RNG_OFFSET_WIDTH;  // shared window offset bits
    localparam integer RW = NREG > 1 ? $clog2(NREG) : 1;
    localparam integer PW = PBIT_PHASE_PTR_WIDTH;

    input  wire clk;
    input  wire rst;                 // synchronous: load init_state (stuck p-bits forced) and rng_seed, one register per clock (hold >= NREG + 1 clocks)
    input  wire run;                 // run phases while high (checked between phases)
    input  wire [N-1:0] init_state;  // bit a = address a, 1 = spin +1
    output reg  [N-1:0] state;
    output wire [NREG*W-1:0] lfsr_flat;   // register g in bits [g*W +: W]
    output reg  phase_done;
    output wire upd_valid;
    output wire [AW-1:0] upd_address;
    output wire signed [SB-1:0] upd_sum;
    output wire signed [AB-1:0] upd_acc;
    output wire upd_overflow;
    output wire signed [IB-1:0] upd_a_in;
    output wire [LIB-1:0] upd_index;
    output wire [L-1:0] upd_threshold;
    output wire [K-1:0] upd_word;
    output wire upd_bit;

    // ---- tables (ROMs) ----
    `include "pbit_tables.vh"
    reg [PW-1:0] phase_ptr_mem [0:PBIT_N_COLORS];
    initial $readmemh("phase_ptr.mem", phase_ptr_mem);

    // ---- registers ----
    localparam [2:0] S_PHASE = 3'd0, S_ADVANCE = 3'd1, S_ROW = 3'd2, S_MAC = 3'd3, S_DECIDE = 3'd4;
    reg [2:0] fsm;
    reg [CW-1:0] colour;
    reg [AW:0] addr;       // one spare bit: the phase end may be N
    reg [EW-1:0] entry;
    reg [RW-1:0] reg_index;
    reg [RW-1:0] load_index = {RW{1'b0}};  // seed loaded next while rst is high
    reg signed [SB-1:0] acc_sum;
    reg [N-1:0] next;
    reg [W-1:0] lfsr_mem [0:NREG-1];

    genvar g;
    generate
        for (g = 0; g < NREG; g = g + 1) begin : g_flat
            assign lfsr_flat[g*W +: W] = lfsr_mem[g];
        end
    endgenerate

    // ---- the current p-bit's datapath ----
    wire [AW-1:0] a = addr[AW-1:0];
    wire [1:0] stuck = stuck_mem[a];
    wire [EW-1:0] row_end = indptr_mem[addr + 1'b1];
    wire [PW-1:0] phase_end = phase_ptr_mem[{1'b0, colour} + 1'b1];
    wire signed [SB-1:0] bias_term = $signed(bias_mem[a]) <<< PBIT_BIAS_SHIFT;
    wire signed [SB-1:0] weight_term = $signed(weight_mem[entry]) <<< PBIT_WEIGHT_SHIFT;
    wire nb_bit = state[neighbour_mem[entry]];

    wire [W-1:0] step_in = (PBIT_LFSR_SHARED != 0) ? lfsr_mem[reg_index] : lfsr_mem[a];
    wire [W-1:0] step_out;
    pbit_lfsr_step #(.WIDTH(W), .TAP_MASK(PBIT_LFSR_TAP_MASK), .TOGGLE_MASK(PBIT_LFSR_TOGGLE_MASK),
                     .XNOR(PBIT_LFSR_XNOR), .GALOIS(PBIT_LFSR_GALOIS), .STEPS(PBIT_LFSR_STEPS))
        u_step (.s_in(step_in), .s_out(step_out));
    wire [W-1:0] shared_reg = lfsr_mem[slot_mem[a]];
    wire [W-1:0] window = (PBIT_LFSR_SHARED != 0) ? (shared_reg >> offset_mem[a]) : step_out;
    wire [K-1:0] word = window[K-1:0];

    wire clipped, invert;
    pbit_input #(.SUM_BITS(SB), .ACC_BITS(AB), .ALIGN_UP(PBIT_ACC_ALIGN_UP), .ALIGN_DOWN(PBIT_ACC_ALIGN_DOWN),
                 .SATURATE(PBIT_ACC_SATURATE), .BETA_SHIFT(PBIT_BETA_SHIFT), .LUT_INPUT_BITS(LIB),
                 .SYMMETRIC(PBIT_LUT_SYMMETRIC), .IN_BITS(IB))
        u_input (.sum(acc_sum), .acc(upd_acc), .overflow(upd_overflow), .a_in(upd_a_in), .index(upd_index),
                 .clipped(clipped), .invert(invert));
    wire [L-1:0] threshold = lut_mem[upd_index];
    wire plus;
    pbit_compare #(.K(K), .L(L)) u_compare (.threshold(threshold), .word(word), .invert(invert), .bit_out(plus));
    wire free = (stuck == 2'b00);
    wire new_bit = free ? plus : ~stuck[1];   // stuck code +1 = 01, -1 = 11

    assign upd_valid = (fsm == S_DECIDE);
    assign upd_address = a;
    assign upd_sum = acc_sum;
    assign upd_threshold = threshold;
    assign upd_word = word;
    assign upd_bit = new_bit;

    // ---- control ----
    always @(posedge clk) begin
        phase_done <= 1'b0;
        if (rst) begin
            fsm <= S_PHASE;
            colour <= {CW{1'b0}};
            addr <= {(AW + 1){1'b0}};
            entry <= {EW{1'b0}};
            reg_index <= {RW{1'b0}};
            acc_sum <= {SB{1'b0}};
            for (i = 0; i < N; i = i + 1) begin
                state[i] <= (stuck_mem[i] == 2'b00) ? init_state[i] : ~stuck_mem[i][1];
                next[i] <= (stuck_mem[i] == 2'b00) ? init_state[i] : ~stuck_mem[i][1];
            end
            // one seed per clock, as a block RAM is written: hold rst for at least NREG + 1 clocks
            lfsr_mem[load_index] <= seed_mem[load_index];
            load_index <= (load_index == NREG - 1) ? {RW{1'b0}} : load_index + 1'b1;
        end else begin
            case (fsm)
                S_PHASE: if (run) begin
                    addr <= phase_ptr_mem[colour];
                    reg_index <= {RW{1'b0}};
                    fsm <= (PBIT_LFSR_SHARED != 0 && colour == 0) ? S_ADVANCE : S_ROW;
                end
                S_ADVANCE: begin
                    lfsr_mem[reg_index] <= step_out;
                    reg_index <= reg_index + 1'b1;
                    if (reg_index == NREG - 1) fsm <= S_ROW;
                end
                S_ROW: begin
                    if (addr == phase_end) begin
                        state <= next;
                        phase_done <= 1'b1;
                        colour <= (colour == PBIT_N_COLORS - 1) ? {CW{1'b0}} : colour + 1'b1;
                        fsm <= S_PHASE;
                    end else begin
                        acc_sum <= bias_term;
                        entry <= indptr_mem[a];
                        fsm <= free ? S_MAC : S_DECIDE;
                    end
                end
                S_MAC: begin
                    if (entry == row_end) begin
                        fsm <= S_DECIDE;
                    end else begin
                        acc_sum <= nb_bit ? acc_sum + weight_term : acc_sum - weight_term;
                        entry <= entry + 1'b1;
                    end
                end
                S_DECIDE: begin
                    next[a] <= new_bit;
                    if (PBIT_LFSR_SHARED == 0 && free) lfsr_mem[a] <= step_out;
                    addr <= addr + 1'b1;
                    fsm <= S_ROW;
                end
                default: fsm <= S_PHASE;
            endcase
        end
    end
endmodule
