{
  "targets": [
    {
      "target_name": "kerats_blas",
      "sources": ["kerats_blas.c"],
      "include_dirs": ["<!@(node -p \"process.env.KERATS_OPENBLAS_INCLUDE || '/usr/include/x86_64-linux-gnu/openblas-pthread'\")"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O3", "-std=c11"]
    }
  ]
}
