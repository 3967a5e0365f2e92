// model.h — every domain record, for code that needs most of them (the store interface,
// rendering). model/ is the floor below store/ and core/: it depends on common/ and
// crypto/ (digests) only. See docs/architecture.md "Modules".
// Thread safety: plain values. Ownership: every record owns its strings.
#pragma once

#include "model/alerts.h"
#include "model/audit.h"
#include "model/key.h"
#include "model/page.h"
#include "model/permission.h"
#include "model/principal.h"
#include "model/signing_key.h"
#include "model/tenant.h"
