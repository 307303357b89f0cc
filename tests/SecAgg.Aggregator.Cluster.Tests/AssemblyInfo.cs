// Every test runs a cluster of silos; on a small machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
