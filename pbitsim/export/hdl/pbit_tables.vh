// pbit_tables.vh -- the export's tables as ROMs, shared by both reference engines.
// Include inside a module body after the width localparams N, NE, NREG, EW, AW, L, W, GW, OW
// (and pbit_params.vh). Loads the .mem files of the export (run the simulator in the export folder);
// slot/offset tables exist only for shared LFSRs and the stuck table only with stuck p-bits.
    reg [EW-1:0] indptr_mem [0:N];
    reg [AW-1:0] neighbour_mem [0:NE-1];
    reg [PBIT_WEIGHT_WIDTH-1:0] weight_mem [0:NE-1];
    reg [PBIT_BIAS_WIDTH-1:0] bias_mem [0:N-1];
    reg [L-1:0] lut_mem [0:PBIT_LUT_SIZE-1];
    reg [W-1:0] seed_mem [0:NREG-1];
    reg [GW-1:0] slot_mem [0:N-1];
    reg [OW-1:0] offset_mem [0:N-1];
    reg [1:0] stuck_mem [0:N-1];
    integer i;
    initial begin
        $readmemh("indptr.mem", indptr_mem);
        $readmemh("neighbour.mem", neighbour_mem);
        $readmemh("weight.mem", weight_mem);
        $readmemh("bias.mem", bias_mem);
        $readmemh("lut.mem", lut_mem);
        $readmemh("rng_seed.mem", seed_mem);
        for (i = 0; i < N; i = i + 1) begin
            slot_mem[i] = {GW{1'b0}};
            offset_mem[i] = {OW{1'b0}};
            stuck_mem[i] = 2'b00;
        end
        if (PBIT_LFSR_SHARED != 0) begin
            $readmemh("rng_slot.mem", slot_mem);
            $readmemh("rng_offset.mem", offset_mem);
        end
        if (PBIT_HAS_STUCK != 0) $readmemh("stuck.mem", stuck_mem);
    end
