// SwiftPM links an executable target with `main` defined as `<module>_main`, the module's own entry point. The
// harness has none of its own (libFuzzer drives it), so this one hands the process to libFuzzer's driver, which
// then calls LLVMFuzzerInitialize and LLVMFuzzerTestOneInput of the Swift module.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int DecodeFuzzer_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
