#pragma once
// The plotting scripts of analysis/plots/ run with /usr/bin/python3 (the
// Debian interpreter that has h5py and matplotlib; another python3 may come
// first on PATH). They are installed under share/cola and found in the source
// tree when the command runs from its build directory.
#include <string>
#include <vector>

namespace cola::apps {

// The path of analysis/plots/<name>: installed, else in the source tree this
// binary was built from. Throws IoError naming both places.
std::string plot_script(const std::string& name);

// Runs /usr/bin/python3 with `arguments` and waits; true when it exited with
// status 0. Throws IoError when the interpreter cannot be started.
bool run_python(const std::vector<std::string>& arguments);

}  // namespace cola::apps
