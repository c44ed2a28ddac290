// Fakes shared by tests: FakeKernel etc.
