// JSON (TeamJSON): the strict parser, and parse → serialize → parse in both the compact and the
// indented output forms.
import TeamJSON

let fuzzTargetName = "json"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let value = try? JSONValue(parsingUTF8: bytes) else { return false }
    for options in [JSONSerializationOptions(), .teamdControl] {
        let again = try? JSONValue(parsingUTF8: value.serializedBytes(options))
        roundTripCheck(again == value, "JSONValue")
    }
    return true
}
