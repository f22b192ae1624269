// Prints docs/configuration.md (the configuration reference generated from
// the schema). Usage:
//   cola_config_doc               print to standard output
//   cola_config_doc FILE          write FILE
//   cola_config_doc --check FILE  exit 1 (with a message) unless FILE is up to date
#include <cola/apps/config_schema.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  const std::string text = cola::apps::configuration_reference();
  const std::string first = argc > 1 ? argv[1] : "";
  if (argc == 1) {
    std::cout << text;
    return 0;
  }
  if (first == "--check" && argc == 3) {
    std::ifstream in(argv[2], std::ios::binary);
    std::ostringstream current;
    current << in.rdbuf();
    if (in && current.str() == text) return 0;
    std::fprintf(stderr,
                 "%s is not up to date; regenerate it with cola_config_doc %s "
                 "(or the cola_config_doc_update build target)\n",
                 argv[2], argv[2]);
    return 1;
  }
  if (argc == 2 && first.rfind("-", 0) != 0) {
    std::ofstream out(first, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      std::fprintf(stderr, "cola_config_doc: cannot write %s\n", first.c_str());
      return 1;
    }
    return 0;
  }
  std::fprintf(stderr, "usage: cola_config_doc [FILE | --check FILE]\n");
  return 2;
}
