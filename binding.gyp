# dflsim's native kernels, built by node-gyp into build/Release/dflsim_native.node
# (scripts/build-native.mjs runs it at install, against the installed Node headers).
#
# The flags keep every result a function of the config and seed: the compiler never fuses
# or reorders arithmetic (-ffp-contract=off, no fast math, no -mfma or -march). The
# products' fused multiply-adds are written out (fmaf, _mm256_fmadd_ps, _mm512_fmadd_ps;
# one rounding per term, terms in a fixed order: see native/src/gemm.h), and the AVX-512
# and AVX2 + FMA code paths are chosen at load by the sources themselves, with the same
# bits as the portable one.
{
  'targets': [
    {
      'target_name': 'dflsim_native',
      'sources': [
        'native/src/binding.c',
        'native/src/conv.c',
        'native/src/gemm.c',
        'native/src/layers.c',
        'native/src/thread_pool.c',
        'native/src/weights.c',
      ],
      'cflags': [
        '-O3',
        '-ffp-contract=off',
        '-fno-fast-math',
        '-fno-math-errno',
        '-fvisibility=hidden',
      ],
      'cflags_c': ['-std=gnu11'],
      'libraries': ['-lm'],
      'xcode_settings': {
        'GCC_OPTIMIZATION_LEVEL': '3',
        'GCC_C_LANGUAGE_STANDARD': 'gnu11',
        'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
        'OTHER_CFLAGS': ['-ffp-contract=off', '-fno-fast-math', '-fno-math-errno'],
      },
    },
  ],
}
