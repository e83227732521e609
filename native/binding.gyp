{
  "variables": {
    "openblas_include%": "<!(node -p \"process.env.KERATS_OPENBLAS_INCLUDE || ''\")"
  },
  "targets": [
    {
      "target_name": "kerats_blas",
      "sources": ["kerats_blas.c", "kerats_sgemm.c", "kerats_norm.c", "kerats_rnn.c", "kerats_attention.c"],
      "include_dirs": ["."],
      "cflags": ["-O3", "-std=gnu11", "-pthread"],
      "libraries": ["-lm", "-pthread"],
      "conditions": [
        ["openblas_include!=''", {
          "defines": ["KERATS_HAVE_OPENBLAS"],
          "include_dirs": ["<(openblas_include)"],
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
