#include "store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <string>

namespace keyward::sqlite_detail {
namespace {

// Appends beyond this are written through at once: a bulk load's transaction of thousands
// of pages needs no more than this much memory per connection.
constexpr size_t kMaxBuffered = size_t(1) << 20;
// SQLite's unix VFS writes at most 0x1ffff bytes a call (it masks larger sizes, and a
// multiple of 128 KiB would become a write of nothing, reported as SQLITE_FULL), so the
// buffer goes out in pieces of 31 pages' worth.
constexpr size_t kWritePiece = 0x1ffff & ~size_t(0xfff);

// What SQLite allocates for a WAL file opened through this VFS: our part first (SQLite sees
// its first member), the default VFS's file object right after it.
struct BufferedFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::string pending;           // consecutive appends not yet written
  sqlite3_int64 pending_at = 0;  // file offset of pending[0]

  const sqlite3_io_methods* io() const { return real->pMethods; }

  int flush() {
    int rc = SQLITE_OK;
    for (size_t done = 0; done < pending.size() && rc == SQLITE_OK; done += kWritePiece) {
      const size_t n = std::min(kWritePiece, pending.size() - done);
      rc = io()->xWrite(real, pending.data() + done, int(n), pending_at + sqlite3_int64(done));
    }
    pending.clear();  // on error too: SQLite abandons the transaction and rewrites its frames
    return rc;
  }
};

BufferedFile& self(sqlite3_file* f) { return *reinterpret_cast<BufferedFile*>(f); }

int bClose(sqlite3_file* f) {
  BufferedFile& b = self(f);
  const int flushed = b.flush();
  const int closed = b.io()->xClose(b.real);
  b.~BufferedFile();
  return flushed != SQLITE_OK ? flushed : closed;
}

int bRead(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xRead(b.real, out, amount, offset);
}

int bWrite(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  BufferedFile& b = self(f);
  const bool continues = !b.pending.empty() && offset == b.pending_at + sqlite3_int64(b.pending.size());
  if (!continues || b.pending.size() + size_t(amount) > kMaxBuffered) {
    if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
    if (size_t(amount) > kWritePiece) return b.io()->xWrite(b.real, data, amount, offset);
    b.pending_at = offset;
  }
  b.pending.append(static_cast<const char*>(data), size_t(amount));
  return SQLITE_OK;
}

int bTruncate(sqlite3_file* f, sqlite3_int64 size) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xTruncate(b.real, size);
}

int bSync(sqlite3_file* f, int flags) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xSync(b.real, flags);
}

int bFileSize(sqlite3_file* f, sqlite3_int64* size) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xFileSize(b.real, size);
}

int bFileControl(sqlite3_file* f, int op, void* arg) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xFileControl(b.real, op, arg);
}

// Locks, sector size, device characteristics and shared memory: the file's own.
int bLock(sqlite3_file* f, int level) { return self(f).io()->xLock(self(f).real, level); }
int bUnlock(sqlite3_file* f, int level) { return self(f).io()->xUnlock(self(f).real, level); }
int bCheckReservedLock(sqlite3_file* f, int* out) { return self(f).io()->xCheckReservedLock(self(f).real, out); }
int bSectorSize(sqlite3_file* f) { return self(f).io()->xSectorSize(self(f).real); }
int bDeviceCharacteristics(sqlite3_file* f) { return self(f).io()->xDeviceCharacteristics(self(f).real); }
int bShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return self(f).io()->xShmMap(self(f).real, region, size, extend, out);
}
int bShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return self(f).io()->xShmLock(self(f).real, offset, n, flags);
}
void bShmBarrier(sqlite3_file* f) { self(f).io()->xShmBarrier(self(f).real); }
int bShmUnmap(sqlite3_file* f, int remove) { return self(f).io()->xShmUnmap(self(f).real, remove); }
int bFetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  BufferedFile& b = self(f);
  if (const int rc = b.flush(); rc != SQLITE_OK) return rc;
  return b.io()->xFetch(b.real, offset, amount, out);
}
int bUnfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) { return self(f).io()->xUnfetch(self(f).real, offset, p); }

const sqlite3_io_methods kBufferedMethods = {3,
                                             bClose,
                                             bRead,
                                             bWrite,
                                             bTruncate,
                                             bSync,
                                             bFileSize,
                                             bLock,
                                             bUnlock,
                                             bCheckReservedLock,
                                             bFileControl,
                                             bSectorSize,
                                             bDeviceCharacteristics,
                                             bShmMap,
                                             bShmLock,
                                             bShmBarrier,
                                             bShmUnmap,
                                             bFetch,
                                             bUnfetch};

sqlite3_vfs* realVfs(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

int vOpen(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* real = realVfs(v);
  if (!(flags & SQLITE_OPEN_WAL)) return real->xOpen(real, name, f, flags, out_flags);
  auto* b = new (f) BufferedFile{};
  b->base.pMethods = nullptr;  // until the real file is open: SQLite then skips xClose
  b->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(BufferedFile));
  const int rc = real->xOpen(real, name, b->real, flags, out_flags);
  if (rc != SQLITE_OK || !b->real->pMethods) {
    if (b->real->pMethods) b->real->pMethods->xClose(b->real);  // SQLite's rule for a failed open
    b->~BufferedFile();
    f->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  b->base.pMethods = &kBufferedMethods;
  return SQLITE_OK;
}

// Everything else is the default VFS's.
int vDelete(sqlite3_vfs* v, const char* name, int sync_dir) { return realVfs(v)->xDelete(realVfs(v), name, sync_dir); }
int vAccess(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return realVfs(v)->xAccess(realVfs(v), name, flags, out);
}
int vFullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return realVfs(v)->xFullPathname(realVfs(v), name, n, out);
}
void* vDlOpen(sqlite3_vfs* v, const char* name) { return realVfs(v)->xDlOpen(realVfs(v), name); }
void vDlError(sqlite3_vfs* v, int n, char* out) { realVfs(v)->xDlError(realVfs(v), n, out); }
void (*vDlSym(sqlite3_vfs* v, void* h, const char* sym))(void) { return realVfs(v)->xDlSym(realVfs(v), h, sym); }
void vDlClose(sqlite3_vfs* v, void* h) { realVfs(v)->xDlClose(realVfs(v), h); }
int vRandomness(sqlite3_vfs* v, int n, char* out) { return realVfs(v)->xRandomness(realVfs(v), n, out); }
int vSleep(sqlite3_vfs* v, int micros) { return realVfs(v)->xSleep(realVfs(v), micros); }
int vCurrentTime(sqlite3_vfs* v, double* out) { return realVfs(v)->xCurrentTime(realVfs(v), out); }
int vGetLastError(sqlite3_vfs* v, int n, char* out) { return realVfs(v)->xGetLastError(realVfs(v), n, out); }
int vCurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) { return realVfs(v)->xCurrentTimeInt64(realVfs(v), out); }

}  // namespace

const char* walWriteBufferVfs() {
  static sqlite3_vfs vfs{};
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (!real || real->iVersion < 2 || !real->xCurrentTimeInt64) return;
    vfs.iVersion = 2;
    vfs.szOsFile = int(sizeof(BufferedFile)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = "keyward-wal-buffer";
    vfs.pAppData = real;
    vfs.xOpen = vOpen;
    vfs.xDelete = vDelete;
    vfs.xAccess = vAccess;
    vfs.xFullPathname = vFullPathname;
    vfs.xDlOpen = vDlOpen;
    vfs.xDlError = vDlError;
    vfs.xDlSym = vDlSym;
    vfs.xDlClose = vDlClose;
    vfs.xRandomness = vRandomness;
    vfs.xSleep = vSleep;
    vfs.xCurrentTime = vCurrentTime;
    vfs.xGetLastError = vGetLastError;
    vfs.xCurrentTimeInt64 = vCurrentTimeInt64;
    ok = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  });
  return ok ? vfs.zName : nullptr;
}

}  // namespace keyward::sqlite_detail
