/* The libFuzzer entry of one target: built once per target with
 * -DFUZZ_ENTRY=<function> (tests/fuzz/meson.build). */
#include "fuzz-targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_ENTRY(data, size);
}
