// Integration tests start brokers; running test classes in parallel on a 2-core machine only adds contention.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
