package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    assertThat(hash.of(json.readTree("{\"a\":[2,1],\"b\":\"x\"}")))
        .isNotEqualTo(hash.of(json.readTree(a)));
    assertThat(hash.of(json.readTree("{\"a\":[1,2],\"b\":\"y\"}")))
        .isNotEqualTo(hash.of(json.readTree(a)));
  }

  @Test
  void withoutMeta_hashesTheContentAlone_andKeepsMetaInTheStoredJson() throws Exception {
    String sent =
        "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"versionId\":\"3\","
            + "\"lastUpdated\":\"2026-03-04T10:00:00Z\"},\"status\":\"final\"}";
    ObjectNode resource = (ObjectNode) json.readTree(sent);
    ContentHash.Hashed hashed = hash.withoutMeta(resource);

    ObjectNode withoutMeta = (ObjectNode) json.readTree(sent);
    withoutMeta.remove("meta");
    assertThat(hashed.hash()).isEqualTo(hash.of(withoutMeta));
    assertThat(json.readTree(hashed.json())).isEqualTo(json.readTree(sent));
    assertThat(resource).isEqualTo(json.readTree(sent)); // the caller's tree keeps its meta
    // a re-export with another meta is the same content
    ObjectNode reexport = (ObjectNode) json.readTree(sent.replace("\"3\"", "\"4\""));
    assertThat(hash.withoutMeta(reexport).hash()).isEqualTo(hashed.hash());
  }

  @Test
  void withoutMeta_ofAnObjectWithNothingButMeta_isStillValidJson() throws Exception {
    ContentHash.Hashed hashed =
        hash.withoutMeta((ObjectNode) json.readTree("{\"meta\":{\"versionId\":\"1\"}}"));
    assertThat(json.readTree(hashed.json()))
        .isEqualTo(json.readTree("{\"meta\":{\"versionId\":\"1\"}}"));
    assertThat(hash.withoutMeta((ObjectNode) json.readTree("{\"a\":1}")).json())
        .isEqualTo("{\"a\":1}");
  }
}
