// pbit_tb.v -- self-checking test bench for the pbitsim reference RTL.
//
// Runs both engines (pbit_engine_serial: one multiply-accumulate per clock;
// pbit_engine_phase: one colour phase per clock) from the golden initial
// state and compares their state and every LFSR register with the golden
// vectors (golden_states.mem, golden_lfsr.mem) after every phase.  Prints one
// line per engine:
//
//   PBIT-HDL PASS engine=serial phases=16 pbits=8 registers=8
//   PBIT-HDL FAIL engine=phase phase=3 address=5 field=state expected=1 got=0
//   PBIT-HDL FAIL engine=serial phase=2 register=4 field=lfsr expected=DE19C728 got=65D3B5A3
//
// (the first mismatch: lowest phase, then state bits by address, then LFSR
// registers; a per-p-bit register g belongs to address g) and "PBIT-HDL DONE".
// +trace prints the serial engine's every update as a TRACE line.
// Run it in the export directory (docs/fpga_export.md, "Reference RTL").
`timescale 1ns / 1ps
module pbit_tb;
`include "pbit_params.vh"
    localparam integer N = PBIT_N;
    localparam integer NREG = PBIT_N_REGISTERS;
    localparam integer W = PBIT_LFSR_WIDTH;
    localparam integer T = PBIT_GOLDEN_PHASES;
    localparam integer LSH = PBIT_BETA_SHIFT < 0 ? -PBIT_BETA_SHIFT : 0;
    localparam integer IB = (PBIT_ACC_BITS + LSH > PBIT_LUT_INPUT_BITS ? PBIT_ACC_BITS + LSH
                                                                        : PBIT_LUT_INPUT_BITS) + 2;
    // generous bound on the serial engine's clocks: entries + 3 per p-bit + shared advances, per phase
    localparam integer TIMEOUT = (T + 1) * (PBIT_N_ENTRIES + 3 * N + NREG + 8) + 100;

    reg [N-1:0] golden_states [0:T];
    reg [W-1:0] golden_lfsr [0:(T + 1) * NREG - 1];
    initial begin
        $readmemh("golden_states.mem", golden_states);
        $readmemh("golden_lfsr.mem", golden_lfsr);
    end

    reg clk = 1'b0;
    always #5 clk = ~clk;
    // each engine gets its own clock, stopped (while low) once its check has ended
    reg ser_on = 1'b1, par_on = 1'b1;
    wire ser_clk = clk & ser_on;
    wire par_clk = clk & par_on;
    reg rst = 1'b1;
    reg ser_run = 1'b0, par_run = 1'b0;   // each engine stops once checked to the end
    reg trace = 1'b0;

    wire [N-1:0] ser_state, par_state;
    wire [NREG*W-1:0] ser_lfsr, par_lfsr;
    wire ser_done, par_done;
    wire upd_valid, upd_overflow, upd_bit;
    wire [PBIT_NEIGHBOUR_WIDTH-1:0] upd_address;
    wire signed [PBIT_ADDER_BITS-1:0] upd_sum;
    wire signed [PBIT_ACC_BITS-1:0] upd_acc;
    wire signed [IB-1:0] upd_a_in;
    wire [PBIT_LUT_INPUT_BITS-1:0] upd_index;
    wire [PBIT_LUT_BITS-1:0] upd_threshold;
    wire [PBIT_RNG_BITS-1:0] upd_word;

    pbit_engine_serial u_serial (
        .clk(ser_clk), .rst(rst), .run(ser_run), .init_state(golden_states[0]),
        .state(ser_state), .lfsr_flat(ser_lfsr), .phase_done(ser_done),
        .upd_valid(upd_valid), .upd_address(upd_address), .upd_sum(upd_sum), .upd_acc(upd_acc),
        .upd_overflow(upd_overflow), .upd_a_in(upd_a_in), .upd_index(upd_index),
        .upd_threshold(upd_threshold), .upd_word(upd_word), .upd_bit(upd_bit));
    pbit_engine_phase u_phase (
        .clk(par_clk), .rst(rst), .run(par_run), .init_state(golden_states[0]),
        .state(par_state), .lfsr_flat(par_lfsr), .phase_done(par_done));

    // first mismatch of phase t: state bits by address, then registers; 0 when none
    function integer mismatch;
        input integer t;
        input [N-1:0] st;
        input [NREG*W-1:0] lf;
        integer a, g;
        begin
            mismatch = 0;
            for (a = N - 1; a >= 0; a = a - 1)
                if (st[a] !== golden_states[t][a]) mismatch = 1 + a;
            if (mismatch == 0)
                for (g = NREG - 1; g >= 0; g = g - 1)
                    if (lf[g*W +: W] !== golden_lfsr[t * NREG + g]) mismatch = 1 + N + g;
        end
    endfunction

    task report;
        input [8*6-1:0] name;
        input integer t;
        input integer m;
        input [N-1:0] st;
        input [NREG*W-1:0] lf;
        begin
            if (m <= N)
                $display("PBIT-HDL FAIL engine=%0s phase=%0d address=%0d field=state expected=%0d got=%0d",
                         name, t, m - 1, golden_states[t][m - 1], st[m - 1]);
            else if (PBIT_LFSR_SHARED != 0)
                $display("PBIT-HDL FAIL engine=%0s phase=%0d register=%0d field=lfsr expected=%h got=%h",
                         name, t, m - 1 - N, golden_lfsr[t * NREG + m - 1 - N], lf[(m - 1 - N)*W +: W]);
            else
                $display("PBIT-HDL FAIL engine=%0s phase=%0d address=%0d field=lfsr expected=%h got=%h",
                         name, t, m - 1 - N, golden_lfsr[t * NREG + m - 1 - N], lf[(m - 1 - N)*W +: W]);
        end
    endtask

    integer ser_t = 0, par_t = 0, cycles = 0, m;
    reg ser_end = 1'b0, par_end = 1'b0, ser_pass = 1'b0, par_pass = 1'b0;

    initial begin
        if ($test$plusargs("trace")) trace = 1'b1;
        repeat (NREG + 2) @(posedge clk);  // the serial engine loads one LFSR seed per clock in reset
        rst <= 1'b0;
        @(posedge clk);
        // phase 0: the state and registers after reset
        m = mismatch(0, ser_state, ser_lfsr);
        if (m != 0) begin report("serial", 0, m, ser_state, ser_lfsr); ser_end = 1'b1; end
        else if (T == 0) begin ser_pass = 1'b1; ser_end = 1'b1; end
        m = mismatch(0, par_state, par_lfsr);
        if (m != 0) begin report("phase", 0, m, par_state, par_lfsr); par_end = 1'b1; end
        else if (T == 0) begin par_pass = 1'b1; par_end = 1'b1; end
        ser_run <= !ser_end;
        par_run <= !par_end;
    end

    always @(negedge clk) begin
        ser_on <= !ser_end || rst;
        par_on <= !par_end || rst;
    end

    always @(posedge clk) begin
        if (!rst) cycles = cycles + 1;
        if (trace && upd_valid && !ser_end)
            $display("TRACE phase=%0d address=%0d sum=%0d acc=%0d overflow=%0d a=%0d index=%0d threshold=%h word=%h bit=%0d",
                     ser_t + 1, upd_address, upd_sum, upd_acc, upd_overflow, upd_a_in, upd_index,
                     upd_threshold, upd_word, upd_bit);
        if (ser_done && !ser_end) begin
            ser_t = ser_t + 1;
            m = mismatch(ser_t, ser_state, ser_lfsr);
            if (m != 0) report("serial", ser_t, m, ser_state, ser_lfsr);
            if (m == 0 && ser_t == T) ser_pass = 1'b1;
            if (m != 0 || ser_t == T) begin ser_end = 1'b1; ser_run <= 1'b0; end
        end
        if (par_done && !par_end) begin
            par_t = par_t + 1;
            m = mismatch(par_t, par_state, par_lfsr);
            if (m != 0) report("phase", par_t, m, par_state, par_lfsr);
            if (m == 0 && par_t == T) par_pass = 1'b1;
            if (m != 0 || par_t == T) begin par_end = 1'b1; par_run <= 1'b0; end
        end
        if (ser_end && par_end) begin
            if (ser_pass)
                $display("PBIT-HDL PASS engine=serial phases=%0d pbits=%0d registers=%0d", T, N, NREG);
            if (par_pass)
                $display("PBIT-HDL PASS engine=phase phases=%0d pbits=%0d registers=%0d", T, N, NREG);
            $display("PBIT-HDL DONE");
            $finish;
        end
        if (cycles > TIMEOUT) begin
            if (!ser_end) $display("PBIT-HDL FAIL engine=serial phase=%0d timeout after %0d clocks", ser_t + 1, cycles);
            if (!par_end) $display("PBIT-HDL FAIL engine=phase phase=%0d timeout after %0d clocks", par_t + 1, cycles);
            $display("PBIT-HDL DONE");
            $finish;
        end
    end
endmodule
