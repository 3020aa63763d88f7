"""Analysis of samples: exact laws (Boltzmann and kernel), gradients and their SNR, spectra, predictors, autocorrelation."""
