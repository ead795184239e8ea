"""What every layer uses and none owns: writing a file atomically, starting worker
processes, pausing the garbage collector, files of keyed chunks. Imports nothing of kg."""
