#include "tasks/data_sources.h"

#include <png.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "symbolic/table_files.h"
#include "tasks/training_run.h"

namespace gedilog::tasks {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void data_error(const std::string& file, const std::string& why) { throw UserError("DataError", file, why); }

// `bytes` holds n elements of `width` bytes in the file's byte order; they become native.
void to_native(std::string& bytes, std::size_t width, bool big_endian) {
  if (width == 1 || big_endian == (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)) return;
  for (std::size_t at = 0; at + width <= bytes.size(); at += width) std::reverse(bytes.begin() + at, bytes.begin() + at + width);
}

// A tensor of `shape` and `dtype` holding `bytes` (native order, exactly its size).
torch::Tensor tensor_of(const std::string& bytes, const std::vector<std::int64_t>& shape, torch::ScalarType dtype) {
  torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

std::string shape_text(torch::IntArrayRef shape) { return c10::str(shape); }  // [2, 3]

// The element count of `shape`, or an error naming `file` when it does not fit in memory.
std::size_t elements(const std::vector<std::int64_t>& shape, const std::string& file) {
  std::size_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0 || (d > 0 && n > (std::size_t(1) << 40) / static_cast<std::size_t>(d)))
      data_error(file, "implausible shape " + shape_text(shape));
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

std::uint32_t big_endian32(const std::string& data, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

// Names sorted as numbers when all are integers (2 before 10), else as text.
void sort_names(std::vector<std::string>& names) {
  const bool numeric = std::all_of(names.begin(), names.end(), [](const std::string& s) {
    return !s.empty() && s.size() < 18 && s.find_first_not_of("0123456789") == std::string::npos;
  });
  if (numeric) std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  else std::sort(names.begin(), names.end());
}

// Examples whose labels are names (PNG folders, CSV columns): the inputs and one name per
// example ("" when unlabelled).
struct NamedSplit {
  torch::Tensor inputs;
  std::vector<std::string> names;
  std::string file;
};

// The labels of `split` as indices into `classes`.
torch::Tensor label_indices(const NamedSplit& split, const std::vector<std::string>& classes, const std::string& location) {
  std::vector<std::int64_t> labels;
  for (const std::string& name : split.names) {
    if (name.empty()) {
      labels.push_back(-1);
      continue;
    }
    const auto it = std::find(classes.begin(), classes.end(), name);
    if (it == classes.end()) throw UserError("DataError", split.file, "label '" + name + "' is none of source.classes (" + location + ")");
    labels.push_back(it - classes.begin());
  }
  return torch::tensor(labels, torch::kLong);
}

// ---- PNG folders -------------------------------------------------------------------------

struct Png {
  std::vector<std::uint8_t> pixels;  // H x W x channels
  std::int64_t height = 0, width = 0, channels = 0;
};

Png read_png(const std::string& file) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, file.c_str())) data_error(file, std::string("not a PNG image: ") + image.message);
  // Grey stays grey, colour becomes RGB; transparency is composed onto black.
  image.format = (image.format & PNG_FORMAT_FLAG_COLOR) ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Png out;
  out.height = image.height, out.width = image.width, out.channels = PNG_IMAGE_PIXEL_CHANNELS(image.format);
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, out.pixels.data(), 0, nullptr)) {
    const std::string why = image.message;
    png_image_free(&image);
    data_error(file, "corrupt PNG image: " + why);
  }
  return out;
}

// PNG files (sorted by name) in `dir`, or an empty list.
std::vector<fs::path> png_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (entry.is_regular_file() && ext == ".png") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One split of a PNG source: `folder` holds the images, labelled by sub-folder (each a class)
// or by `labels_file` (CSV rows file,label with the file relative to the folder), or unlabelled.
NamedSplit read_png_folder(const std::string& folder, const std::string& labels_file) {
  if (!fs::is_directory(folder)) data_error(folder, fs::exists(folder) ? "not a folder (a png source's split is a folder of images)" : "no such folder");
  std::vector<std::pair<fs::path, std::string>> files;  // and the label's name
  if (!labels_file.empty()) {
    const std::vector<symbolic::CsvRow> rows = symbolic::read_csv_rows(labels_file, /*strict=*/true);
    for (const symbolic::CsvRow& row : rows) {
      const std::string at = labels_file + ":" + std::to_string(row.line);
      if (row.fields.size() == 1 && row.fields[0].empty()) continue;
      if (row.fields.size() != 2) data_error(at, "a row is file,label; this one has " + std::to_string(row.fields.size()) + " fields");
      if (&row == &rows.front() && row.fields[0] == "file" && row.fields[1] == "label") continue;  // a header
      const fs::path image = fs::path(folder) / row.fields[0];
      if (!fs::is_regular_file(image)) data_error(at, "no image " + image.string());
      if (row.fields[1].empty()) data_error(at, "an empty label");
      files.emplace_back(image, row.fields[1]);
    }
  } else {
    std::vector<fs::path> classes;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_directory()) classes.push_back(entry.path());
    std::sort(classes.begin(), classes.end());
    for (const fs::path& image : png_files(folder)) files.emplace_back(image, "");
    if (!classes.empty() && !files.empty())
      data_error(folder, "holds both images and sub-folders: images are labelled by their sub-folder, or all unlabelled");
    for (const fs::path& c : classes)
      for (const fs::path& image : png_files(c)) files.emplace_back(image, c.filename().string());
  }
  if (files.empty()) data_error(labels_file.empty() ? folder : labels_file, "no PNG images");

  std::vector<Png> images;
  bool colour = false;
  for (const auto& [file, label] : files) {
    images.push_back(read_png(file.string()));
    const Png& first = images.front();
    if (images.back().height != first.height || images.back().width != first.width)
      data_error(file.string(), "is " + std::to_string(images.back().width) + "x" + std::to_string(images.back().height) +
                                    ", but " + files.front().first.string() + " is " + std::to_string(first.width) + "x" +
                                    std::to_string(first.height) + ": a source's images share one size");
    colour = colour || images.back().channels == 3;
  }
  const std::int64_t n = static_cast<std::int64_t>(images.size()), h = images[0].height, w = images[0].width;
  torch::Tensor out = torch::empty({n, colour ? 3 : 1, h, w}, torch::kUInt8);
  for (std::int64_t i = 0; i < n; ++i) {
    const Png& p = images[static_cast<std::size_t>(i)];
    const torch::Tensor hwc = torch::from_blob(const_cast<std::uint8_t*>(p.pixels.data()), {h, w, p.channels}, torch::kUInt8);
    out[i].copy_(hwc.permute({2, 0, 1}).expand({colour ? 3 : 1, h, w}));  // a grey image among colour ones: R = G = B
  }
  NamedSplit split{out, {}, folder};
  for (const auto& f : files) split.names.push_back(f.second);
  return split;
}

// ---- CSV rows of numbers -----------------------------------------------------------------

NamedSplit read_feature_csv(const std::string& file) {
  if (!fs::is_regular_file(file)) data_error(file, "no such file");
  const std::vector<symbolic::CsvRow> rows = symbolic::read_csv_rows(file, /*strict=*/true);
  if (rows.empty()) data_error(file, "empty: a csv source has a header, then one row of numbers per example");
  const std::vector<std::string>& header = rows[0].fields;
  int label = -1;
  for (int c = 0; c < static_cast<int>(header.size()); ++c)
    if (header[c] == "label") label = c;
  const std::int64_t features = static_cast<std::int64_t>(header.size()) - (label >= 0 ? 1 : 0);
  if (features == 0) data_error(file + ":" + std::to_string(rows[0].line), "the header names no feature column");
  std::vector<float> values;
  NamedSplit split{{}, {}, file};
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const std::vector<std::string>& fields = rows[r].fields;
    const std::string at = file + ":" + std::to_string(rows[r].line);
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    if (fields.size() != header.size())
      data_error(at, std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
    for (int c = 0; c < static_cast<int>(fields.size()); ++c) {
      if (c == label) {
        split.names.push_back(fields[c]);
        continue;
      }
      const char* text = fields[c].c_str();
      char* end = nullptr;
      const double v = std::strtod(text, &end);
      if (fields[c].empty() || *end != '\0' || !std::isfinite(v))
        data_error(at, "column " + header[c] + ": '" + fields[c] + "' is not a finite number");
      values.push_back(static_cast<float>(v));
    }
    if (label < 0) split.names.emplace_back();
  }
  const std::int64_t n = static_cast<std::int64_t>(split.names.size());
  if (n == 0) data_error(file, "no rows after the header");
  split.inputs = torch::tensor(values).view({n, features});
  return split;
}

// ---- arrays ------------------------------------------------------------------------------

torch::Tensor read_array(const std::string& format, const std::string& file) {
  return format == "npy" ? read_npy(file) : read_idx(file);
}

// Labels read from an array file: [N] integers (or integral floats) >= 0.
torch::Tensor as_labels(const torch::Tensor& array, std::int64_t n, const std::string& labels_file) {
  if (array.dim() != 1) data_error(labels_file, "labels are an array [N]; this one is " + shape_text(array.sizes()));
  if (array.size(0) != n)
    data_error(labels_file, "holds " + std::to_string(array.size(0)) + " labels for " + std::to_string(n) + " examples");
  const torch::Tensor as_double = array.to(torch::kFloat64);
  if (n > 0 && !(as_double.eq(as_double.round()).all().item<bool>() && as_double.min().item<double>() >= 0))
    data_error(labels_file, "labels are integers >= 0");
  return array.to(torch::kLong);
}

}  // namespace

torch::Tensor read_idx(const std::string& file) {
  std::string bytes = read_bytes(file);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    data_error(file, "not an IDX file (its first two bytes are 0, then the type and the rank)");
  const int type = static_cast<unsigned char>(bytes[2]), rank = static_cast<unsigned char>(bytes[3]);
  const std::map<int, std::pair<torch::ScalarType, std::size_t>> types = {
      {0x08, {torch::kUInt8, 1}}, {0x09, {torch::kInt8, 1}},    {0x0B, {torch::kInt16, 2}},
      {0x0C, {torch::kInt32, 4}}, {0x0D, {torch::kFloat32, 4}}, {0x0E, {torch::kFloat64, 8}}};
  if (!types.count(type)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", type);
    data_error(file, std::string("IDX type ") + hex + " is none of 0x08 (ubyte), 0x09, 0x0B, 0x0C, 0x0D, 0x0E");
  }
  if (rank == 0) data_error(file, "an IDX array of rank 0: the first dimension counts the examples");
  const std::size_t head = 4 + 4 * static_cast<std::size_t>(rank);
  if (bytes.size() < head) data_error(file, "truncated inside its header");
  std::vector<std::int64_t> shape;
  for (int d = 0; d < rank; ++d) shape.push_back(big_endian32(bytes, 4 + 4 * static_cast<std::size_t>(d)));
  const auto [dtype, width] = types.at(type);
  const std::size_t expected = elements(shape, file) * width;
  if (bytes.size() - head != expected)
    data_error(file, (bytes.size() - head < expected ? "truncated: " : "longer than its header says: ") + shape_text(shape) +
                         " needs " + std::to_string(expected) + " bytes of data, the file holds " + std::to_string(bytes.size() - head));
  bytes.erase(0, head);
  to_native(bytes, width, /*big_endian=*/true);
  return tensor_of(bytes, shape, dtype);
}

torch::Tensor read_npy(const std::string& file) {
  std::string bytes = read_bytes(file);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) data_error(file, "not a .npy file (it begins \\x93NUMPY)");
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3) data_error(file, ".npy format " + std::to_string(major) + " (1, 2 and 3 are read)");
  const auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[i])); };
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::size_t header_length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) header_length |= byte(8 + i) << (8 * i);
  const std::size_t start = 8 + length_bytes;
  if (bytes.size() < start + header_length) data_error(file, "truncated inside its header");
  const std::string header = bytes.substr(start, header_length);

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
  auto value_of = [&](const std::string& key) {
    const std::size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) data_error(file, "the header has no '" + key + "'");
    const std::size_t colon = header.find(':', at);
    if (colon == std::string::npos) data_error(file, "a malformed header");
    return header.substr(header.find_first_not_of(" ", colon + 1));
  };
  const std::string descr_text = value_of("descr");
  if (descr_text.empty() || descr_text[0] != '\'')
    data_error(file, "a structured dtype (only plain numeric arrays are read)");
  const std::string descr = descr_text.substr(1, descr_text.find('\'', 1) - 1);
  const bool fortran = value_of("fortran_order").rfind("True", 0) == 0;
  const std::string shape_part = value_of("shape");
  if (shape_part.empty() || shape_part[0] != '(') data_error(file, "a malformed shape in the header");
  std::vector<std::int64_t> shape;
  for (std::size_t i = 1; i < shape_part.size() && shape_part[i] != ')';) {
    if (std::isdigit(static_cast<unsigned char>(shape_part[i]))) {
      std::size_t used = 0;
      shape.push_back(std::stoll(shape_part.substr(i), &used));
      i += used;
    } else if (shape_part[i] == ',' || shape_part[i] == ' ') {
      ++i;
    } else {
      data_error(file, "a malformed shape in the header");
    }
  }
  if (shape.empty()) data_error(file, "a 0-d array (a scalar): the first dimension counts the examples");

  static const std::map<std::string, std::pair<torch::ScalarType, std::size_t>> types = {
      {"b1", {torch::kBool, 1}},    {"i1", {torch::kInt8, 1}},    {"u1", {torch::kUInt8, 1}},  {"i2", {torch::kInt16, 2}},
      {"i4", {torch::kInt32, 4}},   {"i8", {torch::kInt64, 8}},   {"f2", {torch::kFloat16, 2}}, {"f4", {torch::kFloat32, 4}},
      {"f8", {torch::kFloat64, 8}}};
  const char order = descr.empty() ? '?' : descr[0];
  if (descr.size() < 2 || !types.count(descr.substr(1)) || (order != '<' && order != '>' && order != '|' && order != '='))
    data_error(file, "dtype '" + descr + "' is none of bool, int8, uint8, int16, int32, int64, float16, float32, float64");
  const auto [dtype, width] = types.at(descr.substr(1));
  const std::size_t expected = elements(shape, file) * width;
  if (bytes.size() - start - header_length != expected)
    data_error(file, (bytes.size() - start - header_length < expected ? "truncated: " : "longer than its header says: ") +
                         shape_text(shape) + " of " + descr + " needs " + std::to_string(expected) + " bytes of data");
  bytes.erase(0, start + header_length);
  to_native(bytes, width, order == '>');
  if (!fortran) return tensor_of(bytes, shape, dtype);
  // Column-major: the reversed shape read row-major, then its dimensions reversed.
  std::vector<std::int64_t> reversed(shape.rbegin(), shape.rend()), back;
  for (std::int64_t d = static_cast<std::int64_t>(shape.size()) - 1; d >= 0; --d) back.push_back(d);
  return tensor_of(bytes, reversed, dtype).permute(back).contiguous();
}

void write_npy(const std::string& file, const torch::Tensor& array) {
  static const std::map<torch::ScalarType, std::string> descr = {
      {torch::kBool, "|b1"},  {torch::kUInt8, "|u1"}, {torch::kInt8, "|i1"},    {torch::kInt16, "<i2"},  {torch::kInt32, "<i4"},
      {torch::kInt64, "<i8"}, {torch::kHalf, "<f2"},  {torch::kFloat32, "<f4"}, {torch::kFloat64, "<f8"}};
  if (!descr.count(array.scalar_type())) throw std::invalid_argument("write_npy: no .npy dtype for " + std::string(c10::toString(array.scalar_type())));
  std::string shape = "(";
  for (std::int64_t d : array.sizes()) shape += std::to_string(d) + ", ";
  if (array.dim() > 1) shape.erase(shape.size() - 2);  // (3, 4); one dimension keeps its comma: (3,)
  else if (array.dim() == 1) shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '" + descr.at(array.scalar_type()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header += std::string(63 - (10 + header.size()) % 64, ' ') + "\n";  // the data starts at a multiple of 64
  const torch::Tensor data = array.contiguous().cpu();
  std::ofstream out(file, std::ios::binary);
  if (!out) data_error(file, "cannot write");
  out << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff) << char(header.size() >> 8) << header;
  out.write(static_cast<const char*>(data.data_ptr()), static_cast<std::streamsize>(data.numel() * data.element_size()));
  if (!out) data_error(file, "cannot write");
}

ImageSet as_inputs(const torch::Tensor& array, const torch::Tensor& labels, const std::string& file,
                   const std::string& labels_file) {
  if (array.dim() == 0) data_error(file, "a scalar: the first dimension counts the examples");
  const std::int64_t n = array.size(0);
  torch::Tensor x = array.dim() == 1 ? array.unsqueeze(1) : array.dim() == 3 ? array.unsqueeze(1) : array;
  x = x.scalar_type() == torch::kUInt8 ? x.to(torch::kFloat32).div_(255.0) : x.to(torch::kFloat32);
  if (x.numel() > 0 && !torch::isfinite(x).all().item<bool>()) data_error(file, "holds a value that is not finite (nan or inf)");
  if (n > 0 && x.numel() == 0) data_error(file, "its examples hold no values: shape " + shape_text(array.sizes()));
  ImageSet set;
  set.images = x.contiguous();
  set.labels = labels.defined() ? labels : torch::full({n}, -1, torch::kLong);
  if (set.labels.size(0) != n)
    data_error(labels_file, "holds " + std::to_string(set.labels.size(0)) + " labels for " + std::to_string(n) + " examples");
  return set;
}

Source load_declared_source(const SourceSpec& spec) {
  Source out;
  auto empty_like = [](const ImageSet& other) {
    std::vector<std::int64_t> shape = other.images.sizes().vec();
    shape[0] = 0;
    return ImageSet{torch::zeros(shape), torch::zeros({0}, torch::kLong)};
  };
  if (spec.format == "idx" || spec.format == "npy") {
    auto split = [&](const std::string& file, const std::string& labels_file) {
      if (file.empty()) return ImageSet{};
      const torch::Tensor array = read_array(spec.format, file);
      const torch::Tensor labels = labels_file.empty() ? torch::Tensor() : as_labels(read_array(spec.format, labels_file), array.size(0), labels_file);
      return as_inputs(array, labels, file, labels_file);
    };
    out.data.train = split(spec.train, spec.train_labels);
    out.data.test = split(spec.test, spec.test_labels);
    std::int64_t classes = 0;
    for (const ImageSet* s : {&out.data.train, &out.data.test})
      if (s->size() > 0) classes = std::max(classes, s->labels.max().item<std::int64_t>() + 1);
    if (!spec.classes.empty()) {
      if (classes > static_cast<std::int64_t>(spec.classes.size()))
        throw UserError("DataError", spec.location,
                        "a label " + std::to_string(classes - 1) + " but source.classes names " + std::to_string(spec.classes.size()));
      out.classes = spec.classes;
    } else {
      for (std::int64_t c = 0; c < classes; ++c) out.classes.push_back(std::to_string(c));
    }
  } else {  // png, csv: labels are names
    std::vector<NamedSplit> splits(2);
    for (int s = 0; s < 2; ++s) {
      const std::string& file = s == 0 ? spec.train : spec.test;
      if (file.empty()) continue;
      splits[s] = spec.format == "png" ? read_png_folder(file, s == 0 ? spec.train_labels : spec.test_labels) : read_feature_csv(file);
    }
    out.classes = spec.classes;
    if (out.classes.empty()) {
      std::set<std::string> names;
      for (const NamedSplit& s : splits)
        for (const std::string& name : s.names)
          if (!name.empty()) names.insert(name);
      out.classes.assign(names.begin(), names.end());
      sort_names(out.classes);
    }
    for (int s = 0; s < 2; ++s) {
      if (!splits[s].inputs.defined()) continue;
      ImageSet& set = s == 0 ? out.data.train : out.data.test;
      set = as_inputs(splits[s].inputs, label_indices(splits[s], out.classes, spec.location), splits[s].file, splits[s].file);
    }
  }
  const ImageSet* some = out.data.train.images.defined() ? &out.data.train : &out.data.test;
  for (ImageSet* s : {&out.data.train, &out.data.test})
    if (!s->images.defined()) *s = empty_like(*some);
  if (out.data.train.images.sizes().slice(1) != out.data.test.images.sizes().slice(1))
    throw UserError("DataError", spec.location,
                    "source " + spec.name + ": train examples are " + shape_text(out.data.train.images.sizes().slice(1)) +
                        ", test examples " + shape_text(out.data.test.images.sizes().slice(1)) + ": a source's examples share one shape");
  return out;
}

bool is_source(const std::string& name, const ExperimentConfig& config) {
  bool declared = is_builtin_source(name);
  for (const SourceSpec& spec : config.data_sources) declared = declared || spec.name == name;
  return declared;
}

std::string source_names(const ExperimentConfig& config) {
  std::string known = "mnist, fashion-mnist, idx";
  for (const SourceSpec& spec : config.data_sources) known += ", " + spec.name;
  return known;
}

Source load_named_source(const std::string& name, const ExperimentConfig& config, const std::string& location) {
  for (const SourceSpec& spec : config.data_sources)
    if (spec.name == name) return load_declared_source(spec);
  if (!is_source(name, config))
    throw UserError("ConfigError", location, "no source named '" + name + "' (known: " + source_names(config) + ")");
  // data.dir is the folder of data.source's images; the other sources are where setup put them.
  return {load_source(name, name == config.data.source ? config.data.dir : ""), class_names(name)};
}

}  // namespace gedilog::tasks
