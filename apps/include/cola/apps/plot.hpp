#pragma once
// `cola plot FILE --out DIR`: PNG plots of a trajectory file (trace,
// autocorrelation, marginals, constraint residual, rejections, learning
// curves) by analysis/plots/cola_plot.py, run with /usr/bin/python3 (the
// Debian interpreter that has h5py and matplotlib). The file is opened first
// so that a bad file is an I/O error (exit 3) before Python starts.
#include <string>

namespace cola::apps {

int plot_command(const std::string& path, const std::string& out_dir);

}  // namespace cola::apps
