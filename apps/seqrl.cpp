// The `seqrl` command: the library's seqrl::apps::main with the built-in parts.
#include "seqrl/apps/main.hpp"

int main(int argc, char** argv) { return seqrl::apps::main(argc, argv); }
