'use strict'

// corepool's own test kernels ('test.waitFlag', 'test.panic', ...) are not public: a process
// reaches them only with this opt-in, which every test that uses one requires first.
process.env.COREPOOL_TEST_TASKS = '1'
