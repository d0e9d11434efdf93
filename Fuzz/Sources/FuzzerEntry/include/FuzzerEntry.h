// Nothing to import: this target only provides the process entry point (see FuzzerEntry.c).
