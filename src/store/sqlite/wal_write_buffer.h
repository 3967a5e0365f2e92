// wal_write_buffer.h — a SQLite VFS for keyward's write connection that hands each
// commit's WAL frames to the kernel in one write instead of two per page.
// Why: SQLite writes a WAL frame as two pwrite calls, its 24-byte header and then its page,
// so a key creation (about 12 pages) made 24 system calls before its fsync, and a last-use
// flush of thousands of rows thousands. The buffered bytes are the same; only the number of
// calls changes.
// Safety: a WAL file opened through this VFS keeps consecutive appends in memory and writes
// them before anything else touches the file: a read, a size query, a truncate, a file
// control, a sync or the close. With synchronous=FULL (keyward's setting, required) a
// commit syncs the WAL before it publishes its frames in the WAL index, so no connection,
// in this process or another, can look for a frame that is still in the buffer; and a
// crash loses only frames that were never synced, which SQLite never counted as committed.
// Other files (the database, its shared-memory index) are the default VFS's, untouched.
// Thread safety: registration is once per process (std::call_once); a file handle is used
// by one connection at a time, as SQLite guarantees.
// Ownership: the VFS object lives for the whole process (SQLite keeps a pointer to it).
#pragma once

namespace keyward::sqlite_detail {

// The name to pass to sqlite3_open_v2 for the write connection; registers the VFS on
// first use. Null if SQLite has no default VFS (then the caller uses the default).
const char* walWriteBufferVfs();

}  // namespace keyward::sqlite_detail
