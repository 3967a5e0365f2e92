// conformance.h — the store conformance suite: the contract of src/store/store.h, written once and
// run by every backend. Each aggregate's tests live in their own header here (tenants.h, keys.h,
// audit.h, ...) as one typed test suite; this header includes them all and runs every one of them.
//
// A backend defines the type described in fixture.h (unavailable(), a constructor that makes a fresh
// database, open(), a destructor that drops it) and adds one line to one .cc file, at global
// namespace scope:
//   KEYWARD_STORE_CONFORMANCE(Postgres, PostgresBackend);
// Each part also has its own macro (KEYWARD_STORE_CONFORMANCE_KEYS, ...), for a backend that
// compiles the parts in several .cc files so they build in parallel. Such a backend should still
// include this header in one of them: every part is then registered in the binary, and GoogleTest
// fails it (GoogleTestVerification.UninstantiatedTypeParameterizedTestSuite) if one is never run.
#pragma once

#include "alerts.h"
#include "audit.h"
#include "groups.h"
#include "key_owners.h"
#include "keys.h"
#include "roles.h"
#include "signing_keys.h"
#include "tenants.h"
#include "user_groups.h"
#include "users.h"

// Runs the whole suite on Backend, each part as a suite named Prefix/<Part>Conformance/0.
#define KEYWARD_STORE_CONFORMANCE(Prefix, Backend)        \
  KEYWARD_STORE_CONFORMANCE_TENANTS(Prefix, Backend);     \
  KEYWARD_STORE_CONFORMANCE_GROUPS(Prefix, Backend);      \
  KEYWARD_STORE_CONFORMANCE_KEYS(Prefix, Backend);        \
  KEYWARD_STORE_CONFORMANCE_KEY_OWNERS(Prefix, Backend);  \
  KEYWARD_STORE_CONFORMANCE_USERS(Prefix, Backend);       \
  KEYWARD_STORE_CONFORMANCE_USER_GROUPS(Prefix, Backend); \
  KEYWARD_STORE_CONFORMANCE_ROLES(Prefix, Backend);       \
  KEYWARD_STORE_CONFORMANCE_AUDIT(Prefix, Backend);       \
  KEYWARD_STORE_CONFORMANCE_ALERTS(Prefix, Backend);      \
  KEYWARD_STORE_CONFORMANCE_SIGNING_KEYS(Prefix, Backend)
