#pragma once
// Reader for IDX files, the format of MNIST and its relatives (Fashion-MNIST,
// KMNIST): a 4-byte magic (0, 0, type code, number of dimensions), the
// dimensions as big-endian 32-bit integers, then the elements in row-major
// order. Only the unsigned-byte type (0x08) is supported: it is the one the
// MNIST family uses. Files may be gzip-compressed or not; this is detected
// from the content (gzip magic 1f 8b), never from the name.
//
// Every malformed input is a cola::IoError whose one-line message names the
// path and what was expected: missing or unreadable file, bad magic,
// unsupported type, a truncated or corrupt (gzip) stream, bytes after the
// data the header implies, a zero dimension or a size that overflows. Trailing
// bytes after the end of a gzip stream (outside the compressed data) are
// ignored by zlib and so are not detected.
//
// The functions allocate their results and keep no state: thread-safe.
#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace cola::models {

// An IDX array of unsigned bytes: dims outermost first, data row-major.
struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;
};

// Reads one IDX file (gzip-compressed or not). Throws IoError (see above).
IdxArray read_idx(const std::string& path);

// Images with their class labels: features is n x (rows*cols), one image per
// row, pixels scaled from 0..255 to [0, 1]; labels[i] in [0, num_classes).
struct LabelledImages {
  Eigen::MatrixXf features;
  std::vector<int> labels;
};

// Reads an image file (3 dimensions: n, rows, cols) and a label file (1
// dimension: n). Throws IoError naming the offending file when either is
// malformed, when the counts differ, or when a label is outside
// [0, num_classes); ConfigError unless 1 <= num_classes <= 256.
LabelledImages read_idx_dataset(const std::string& images_path, const std::string& labels_path,
                                int num_classes = 10);

// Directory of the Fashion-MNIST files (Debian package dataset-fashion-mnist):
// $COLA_FASHION_MNIST_DIR when set and not empty, else
// /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();

// The Fashion-MNIST training (60000 images) or test (10000 images) set, 28x28
// pixels, 10 classes, from fashion_mnist_dir(). Throws IoError naming the
// missing file and the package that provides it.
LabelledImages load_fashion_mnist(bool train);
// The same from the files in `directory`.
LabelledImages load_fashion_mnist(const std::string& directory, bool train);

}  // namespace cola::models
