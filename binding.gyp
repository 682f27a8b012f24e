{
  # The native backend (native/src): built by `npm install` through
  # native/build.mjs. The AVX2 and AVX-512 micro-kernels live in their own
  # static libraries, compiled with those ISA flags and called only after
  # run-time CPU detection, so the addon still loads on any x86-64 or arm64 CPU.
  "variables": {
    "kd_cflags": ["-O3", "-fPIC", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
  },
  "targets": [
    {
      "target_name": "kindling",
      "sources": [
        "native/src/binding.cc",
        "native/src/cpu.cc",
        "native/src/pool.cc",
        "native/src/gemm.cc",
        "native/src/heap.cc",
        "native/src/elementwise.cc",
        "native/src/reduce.cc",
        "native/src/conv_pool.cc",
        "native/src/index_ops.cc",
        "native/src/norm.cc",
        "native/src/vec_kernels.cc",
        "native/src/vec_driver.cc",
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["<@(kd_cflags)"],
      "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["kindling_avx2", "kindling_avx512"]}],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "kindling_avx2",
          "type": "static_library",
          "sources": ["native/src/gemm_avx2.cc", "native/src/vec_kernels_avx2.cc"],
          "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-mavx2", "-mfma"],
          "cflags_cc!": ["-std=gnu++17"],
        },
        {
          "target_name": "kindling_avx512",
          "type": "static_library",
          "sources": ["native/src/gemm_avx512.cc"],
          "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-mavx2", "-mfma", "-mavx512f"],
          "cflags_cc!": ["-std=gnu++17"],
        },
      ],
    }],
  ],
}
