//! End-to-end tests of the `bulk` binary: `validate`, `template` and `split`, run for real on
//! files generated in each test, plus property tests of the CSV splitter through the library.

mod hostile;
mod real_files;
mod split;
mod split_props;
mod template;
mod validate;
