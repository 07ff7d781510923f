#include "core/workers/worker_protocol.hpp"

#include "core/workers/wire_json.hpp"

namespace ingestd::workers::protocol {
namespace {

constexpr std::string_view kFatalPrefix = R"({"fatal":)";

}  // namespace

std::string HelloToJson(pid_t pid) {
  return R"({"hello":{"protocol":)" + std::to_string(kProtocolVersion) + R"(,"pid":)" + std::to_string(pid) + "}}";
}

Status CheckHello(std::string_view frame, pid_t pid) {
  rapidjson::Document doc;
  INGESTD_TRY(wire::ParseExact(doc, frame, "worker hello"));
  INGESTD_ASSIGN_OR_RETURN(wire::ObjectReader r, wire::ObjectReader::Create(doc, ""));
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* hello, r.Object("hello"));
  INGESTD_TRY(r.Finish());
  INGESTD_ASSIGN_OR_RETURN(wire::ObjectReader h, wire::ObjectReader::Create(*hello, "hello"));
  INGESTD_ASSIGN_OR_RETURN(std::uint64_t version, h.Uint64("protocol"));
  INGESTD_ASSIGN_OR_RETURN(std::uint64_t hello_pid, h.Uint64("pid"));
  INGESTD_TRY(h.Finish());
  if (version != static_cast<std::uint64_t>(kProtocolVersion)) {
    return InvalidArgument("worker speaks protocol " + std::to_string(version) + ", expected " +
                           std::to_string(kProtocolVersion));
  }
  if (hello_pid != static_cast<std::uint64_t>(pid)) {
    return InvalidArgument("worker hello names pid " + std::to_string(hello_pid) + ", expected " +
                           std::to_string(pid));
  }
  return OkStatus();
}

std::string OutOfMemoryToJson(std::string_view message) {
  rapidjson::StringBuffer buffer;
  wire::JsonWriter w(buffer);
  w.StartObject();
  wire::WriteKey(w, "fatal");
  w.StartObject();
  wire::WriteKey(w, "reason");
  wire::WriteString(w, "out_of_memory");
  wire::WriteKey(w, "message");
  wire::WriteString(w, message);
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool IsOutOfMemory(std::string_view frame) { return frame.starts_with(kFatalPrefix); }

}  // namespace ingestd::workers::protocol
