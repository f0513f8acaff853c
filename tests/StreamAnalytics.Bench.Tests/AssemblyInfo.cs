// Bench tests start processes and brokers; on 2 cores parallel test classes only contend.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
