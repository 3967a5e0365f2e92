// test_backend.h — the store backends the suites run on, as a GoogleTest parameter. A
// TestBackend is a name (for test names) and the store URL of a fresh database in a
// directory; testBackends() lists every backend this build tests, and each suite of the core,
// HTTP and integration tests is instantiated over that list with KEYWARD_ON_EVERY_BACKEND, so
// a new backend joins every suite by one line in testBackends(). A suite that also has cases
// of its own takes OnBackend<Case> (the backend, then the case) over ::testing::Combine.
// Nothing here opens a store: common/test_stack.h does (in-process), the integration tests
// pass the URL to the server binary.
// Thread safety: values only. Ownership: values only.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace keyward::testing_support {

// A store backend the suites run on: its name (for test names) and the store URL of a fresh
// database in a directory.
struct TestBackend {
  std::string name;
  std::string (*url)(const std::filesystem::path& dir);
};

// What GoogleTest prints for a backend parameter (e.g. in a failure's "GetParam() = ...").
inline void PrintTo(const TestBackend& b, std::ostream* os) { *os << b.name; }

inline TestBackend sqliteBackend() {
  return {"sqlite", [](const std::filesystem::path& dir) { return "sqlite:" + (dir / "keyward.db").string(); }};
}

// Every backend this build can test (PostgreSQL joins when its harness is available).
inline std::vector<TestBackend> testBackends() { return {sqliteBackend()}; }

// The parameter of a suite that runs each of its cases on every backend.
template <class Case>
using OnBackend = std::tuple<TestBackend, Case>;

// A fixture whose parameter is the backend (Param = TestBackend) or a backend and a case
// (Param = OnBackend<Case>). Both are static: a fixture may use them in its member
// initializers, since GoogleTest sets the parameter before it constructs the test.
template <class Param>
class BackendTestWith : public ::testing::TestWithParam<Param> {
 protected:
  // The backend this test runs on.
  static const TestBackend& backend() {
    if constexpr (std::is_same_v<Param, TestBackend>) {
      return BackendTestWith::GetParam();
    } else {
      return std::get<0>(BackendTestWith::GetParam());
    }
  }
  // The case this test runs (its parameter besides the backend); only for OnBackend<Case>.
  static const auto& testCase() requires(!std::is_same_v<Param, TestBackend>) {
    return std::get<1>(BackendTestWith::GetParam());
  }
};

using BackendTest = BackendTestWith<TestBackend>;

// The backends as a GoogleTest generator, for ::testing::Combine(everyBackend(), <cases>).
inline auto everyBackend() { return ::testing::ValuesIn(testBackends()); }

// Test names of a suite over the backends: the backend's name ("Backends/KeysApi.X/sqlite").
inline std::string backendName(const ::testing::TestParamInfo<TestBackend>& info) { return info.param.name; }

// Test names of a suite over OnBackend<Case>: `case_name`'s name for the case (it is given
// the case and the index of the (backend, case) pair), then "_" and the backend's name.
template <class Case, class CaseName>
auto nameOnBackend(CaseName case_name) {
  return [case_name](const ::testing::TestParamInfo<OnBackend<Case>>& info) {
    return case_name(::testing::TestParamInfo<Case>(std::get<1>(info.param), info.index)) + "_" +
           std::get<0>(info.param).name;
  };
}

}  // namespace keyward::testing_support

// Instantiates the value-parameterised suite `Fixture` (parameter: TestBackend) once per
// backend of testBackends(); its tests are named Backends/Fixture.Test/<backend>.
#define KEYWARD_ON_EVERY_BACKEND(Fixture)                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ::keyward::testing_support::everyBackend(), \
                           ::keyward::testing_support::backendName)
