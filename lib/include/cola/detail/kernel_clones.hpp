#pragma once
// COLA_KERNEL_CLONES: compile a function for the widest vector ISA the CPU
// has (GCC function multi-versioning, chosen once at load time), since the
// default build targets baseline x86-64 (SSE2, 2 doubles per instruction).
// With -ffp-contract=off each clone computes the same IEEE operations, so
// results are bit-identical across the clones and machines. `flatten`
// inlines the templates the function calls into each clone (else they stay
// baseline code). Use it on the few loops that touch every parameter.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define COLA_KERNEL_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), flatten))
#else
#define COLA_KERNEL_CLONES
#endif
