"""Attack harness for SecAgg: gradient leakage, membership inference and the floating-point attack,
run against exactly what each party gets from the real product (the `secagg` CLI)."""
