#include <gtest/gtest.h>

#include "actors/streams/records.hpp"
#include "actors/streams/serde.hpp"

using namespace fluxo::streams;

namespace demo {
struct order {
  std::string id;
  int64_t cents = 0;
  bool operator==(const order&) const = default;
};
void to_json(nlohmann::json& j, const order& o) { j = {{"id", o.id}, {"cents", o.cents}}; }
void from_json(const nlohmann::json& j, order& o) {
  j.at("id").get_to(o.id);
  j.at("cents").get_to(o.cents);
}
}  // namespace demo

TEST(streams_serde, StringIsIdentity) {
  EXPECT_EQ(serde<std::string>::to_bytes(std::string("a\0b", 3)), std::string("a\0b", 3));
  EXPECT_EQ(serde<std::string>::from_bytes(""), "");
}

TEST(streams_serde, Int64IsDecimalText) {
  EXPECT_EQ(serde<int64_t>::to_bytes(-42), "-42");
  EXPECT_EQ(serde<int64_t>::from_bytes("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(serde<int64_t>::from_bytes(""), std::nullopt);
  EXPECT_EQ(serde<int64_t>::from_bytes("12x"), std::nullopt);
  EXPECT_EQ(serde<int64_t>::from_bytes("99999999999999999999"), std::nullopt);
}

TEST(streams_serde, JsonUsesAdl) {
  demo::order o{"o-1", 1250};
  auto bytes = json_serde<demo::order>::to_bytes(o);
  EXPECT_EQ(bytes, R"({"cents":1250,"id":"o-1"})");
  EXPECT_EQ(json_serde<demo::order>::from_bytes(bytes), o);
  EXPECT_EQ(json_serde<demo::order>::from_bytes("{not json"), std::nullopt);
  EXPECT_EQ(json_serde<demo::order>::from_bytes(R"({"id":"x"})"), std::nullopt);  // missing field
}

TEST(streams_serde, WindowedKeys) {
  windowed<std::string> w{"page:a", 10, 20};
  EXPECT_EQ(serde<windowed<std::string>>::to_bytes(w), "10:20:page:a");
  EXPECT_EQ(serde<windowed<std::string>>::from_bytes("10:20:page:a"), w);
  auto c = windowed_codec(codec<int64_t>::of(serde<int64_t>{}));
  EXPECT_EQ(c.encode(windowed<int64_t>{7, 0, 5}), "0:5:7");
  EXPECT_EQ(c.decode("0:5:x"), std::nullopt);
}

TEST(streams_serde, NullableFields) {
  auto c = codec<std::string>::of(serde<std::string>{});
  auto [s1, v1] = decode_field<std::optional<std::string>>(c, std::nullopt);
  EXPECT_EQ(s1, decode_status::ok);
  EXPECT_EQ(*v1, std::nullopt);
  auto [s2, v2] = decode_field<std::string>(c, std::nullopt);
  EXPECT_EQ(s2, decode_status::null);
  auto i = codec<int64_t>::of(serde<int64_t>{});
  EXPECT_EQ(decode_field<int64_t>(i, std::string("z")).first, decode_status::undecodable);
  EXPECT_EQ(encode_field<std::optional<int64_t>>(i, std::nullopt), std::nullopt);
  EXPECT_EQ(encode_field<std::optional<int64_t>>(i, 5), "5");
}

TEST(streams_serde, ChangelogHeadersRoundTrip) {
  changelog_record r{"counts", "k", "3", 41, 1000};
  auto back = changelog_from("counts", "k", "3", changelog_headers(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->input_offset, 41);
  EXPECT_EQ(back->stream_time, 1000);
  EXPECT_EQ(back->value, "3");
  EXPECT_FALSE(changelog_from("counts", "k", "3", {}));
  EXPECT_FALSE(changelog_from("counts", "k", "3", {{changelog_offset_header, "x"}}));
  changelog_record none{"counts", "k", std::nullopt, 7};
  auto tomb = changelog_from("counts", "k", std::nullopt, changelog_headers(none));
  ASSERT_TRUE(tomb);
  EXPECT_EQ(tomb->stream_time, no_time);
  EXPECT_FALSE(tomb->value);
}
