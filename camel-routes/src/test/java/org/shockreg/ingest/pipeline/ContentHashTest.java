package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ContentHashTest {

  final ObjectMapper json = new ObjectMapper();
  final ContentHash hash = new ContentHash(json);

  @Test
  void keyOrderAndWhitespace_doNotChangeTheHash_atAnyDepth() throws Exception {
    String sent =
        "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{\"coding\":"
            + "[{\"system\":\"http://loinc.org\",\"code\":\"2524-7\"}]},\"valueQuantity\":{\"value\":2.5,\"unit\":\"mmol/L\"}}";
    // what jsonb gives back: keys by length, then bytes
    String fromJsonb =
        "{\"id\": \"o1\", \"code\": {\"coding\": [{\"code\": \"2524-7\", \"system\": \"http://loinc.org\"}]},"
            + " \"status\": \"final\", \"resourceType\": \"Observation\", \"valueQuantity\": {\"unit\": \"mmol/L\", \"value\": 2.5}}";
    assertThat(hash.of(json.readTree(fromJsonb))).isEqualTo(hash.of(json.readTree(sent)));
  }

  @Test
  void anyChangedValue_orArrayOrder_changesTheHash() throws Exception {
    String a = "{\"a\":[1,2],\"b\":\"x\"}";
    assertThat(hash.of(json.readTree("{\"a\":[2,1],\"b\":\"x\"}"))).isNotEqualTo(hash.of(json.readTree(a)));
    assertThat(hash.of(json.readTree("{\"a\":[1,2],\"b\":\"y\"}"))).isNotEqualTo(hash.of(json.readTree(a)));
  }
}
