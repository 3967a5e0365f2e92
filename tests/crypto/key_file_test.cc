// Secret key files (src/crypto/key_file.h): created once with mode 0600 and the given
// contents, read back unchanged, and refused when group or others may read them.
#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"

namespace keyward::crypto {
namespace {

namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  // Removed with everything in it when the test ends, after the members declared below.
  const testing_support::TempDir tmp_{"keyward-keyfile"};
  const fs::path dir_ = tmp_.path();
  const KeyFileSpec spec_{"test key file", "TEST_KEY_FILE"};
};

TEST_F(KeyFileTest, AMissingFileIsCreatedOwnerOnlyOnceAndThenReadBack) {
  const std::string path = (dir_ / "k.key").string();
  int made = 0;
  auto make = [&]() -> Result<std::string> {
    ++made;
    return std::string("c2VjcmV0\n");
  };
  auto first = loadOrCreateKeyFile(path, spec_, make);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, "c2VjcmV0\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = loadOrCreateKeyFile(path, spec_, make);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(made, 1);  // the existing file is never replaced
}

TEST_F(KeyFileTest, AFileOthersCanReadIsRefusedAndAFailedMakeCreatesNothing) {
  const std::string path = (dir_ / "k.key").string();
  std::ofstream(path) << "x";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto refused = loadOrCreateKeyFile(path, spec_, [] { return Result<std::string>(std::string("y")); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "TEST_KEY_FILE");
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);

  const std::string other = (dir_ / "other.key").string();
  auto failed = loadOrCreateKeyFile(other, spec_, []() -> Result<std::string> {
    return fail(ErrorKind::kInternal, "NO_RANDOM", "no randomness");
  });
  ASSERT_FALSE(failed);
  EXPECT_FALSE(fs::exists(other));
}

}  // namespace
}  // namespace keyward::crypto
