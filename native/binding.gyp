{
  # The native backend (native/src). The package ships it prebuilt
  # (npm run build:prebuilds); `npm run build:native` builds it from source
  # through native/build.mjs. This file sits in native/, not at the package
  # root, so that no package manager runs node-gyp at install.
  # The AVX2 and AVX-512 micro-kernels live in their own static libraries,
  # compiled with those ISA flags and called only after run-time CPU
  # detection, so the addon still loads on any x86-64 or arm64 CPU.
  # Linux (GCC, clang) is built and tested; the xcode_settings (macOS, clang)
  # and msvs_settings (Windows, MSVC) give those source builds the same
  # options but are not tested here.
  "variables": {
    "kd_cflags": ["-O3", "-fPIC", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
  },
  "targets": [
    {
      "target_name": "kindling",
      "sources": [
        "src/binding.cc",
        "src/cpu.cc",
        "src/pool.cc",
        "src/gemm.cc",
        "src/heap.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/conv_pool.cc",
        "src/index_ops.cc",
        "src/norm.cc",
        "src/vec_kernels.cc",
        "src/vec_driver.cc",
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["<@(kd_cflags)"],
      "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "CLANG_CXX_LIBRARY": "libc++",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CFLAGS": ["-fno-math-errno"],
      },
      "msvs_settings": {
        "VCCLCompilerTool": {"ExceptionHandling": 1, "Optimization": 2, "AdditionalOptions": ["/std:c++17"]},
      },
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
          "sources": ["src/gemm_avx2.cc", "src/vec_kernels_avx2.cc"],
          "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-mavx2", "-mfma"],
          "cflags_cc!": ["-std=gnu++17"],
          "xcode_settings": {"CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_OPTIMIZATION_LEVEL": "3", "MACOSX_DEPLOYMENT_TARGET": "10.15", "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"]},
          "msvs_settings": {"VCCLCompilerTool": {"Optimization": 2, "AdditionalOptions": ["/std:c++17", "/arch:AVX2"]}},
        },
        {
          "target_name": "kindling_avx512",
          "type": "static_library",
          "sources": ["src/gemm_avx512.cc"],
          "cflags_cc": ["<@(kd_cflags)", "-std=c++17", "-mavx2", "-mfma", "-mavx512f"],
          "cflags_cc!": ["-std=gnu++17"],
          "xcode_settings": {"CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_OPTIMIZATION_LEVEL": "3", "MACOSX_DEPLOYMENT_TARGET": "10.15", "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma", "-mavx512f"]},
          "msvs_settings": {"VCCLCompilerTool": {"Optimization": 2, "AdditionalOptions": ["/std:c++17", "/arch:AVX512"]}},
        },
      ],
    }],
  ],
}
