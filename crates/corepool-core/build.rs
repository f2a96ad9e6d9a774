fn main() {
  // Rebuilds this crate when the napi CLI asks for its type definitions (NAPI_FORCE_BUILD_*).
  napi_build::setup();
}
