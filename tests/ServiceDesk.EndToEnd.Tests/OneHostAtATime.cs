// Hangfire keeps its job storage in a static, so two desks in this process would run each other's jobs (an
// outbox job of one desk looked up in the other's database, and a proactive update lost). The collections
// here kept hosts apart only within each collection; every test class starts a desk, so none run in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
