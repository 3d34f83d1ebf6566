package org.shockreg.server.edc;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.w3c.dom.ls.LSInput;
import org.w3c.dom.ls.LSResourceResolver;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The CDISC ODM 1.3.2 schema (src/test/resources/odm, see README.md there), loaded from the class
 * path with every import resolved locally: the resolver answers the schema's imports ({@code
 * ../core/xml.xsd}, {@code ../core/xmldsig-core-schema.xsd}) and includes by file name and refuses
 * anything else, and external access is switched off, so validation never touches the network.
 */
public final class OdmSchema {

  private static final Schema SCHEMA = load();

  private OdmSchema() {}

  private static Schema load() {
    try {
      SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
      factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setResourceResolver(new LocalResolver());
      URL main = resource("ODM1-3-2.xsd");
      return factory.newSchema(new StreamSource(main.openStream(), main.toExternalForm()));
    } catch (SAXException | IOException e) {
      throw new IllegalStateException("cannot load the ODM 1.3.2 schema", e);
    }
  }

  private static URL resource(String fileName) {
    URL url = OdmSchema.class.getResource("/odm/" + fileName);
    if (url == null) {
      throw new IllegalStateException(
          "no schema file /odm/" + fileName + " on the test class path");
    }
    return url;
  }

  /**
   * Validates a document against ODM 1.3.2; returns every error and fatal error (line: message),
   * empty when the document is valid.
   */
  public static List<String> problems(InputStream document) throws IOException {
    List<String> problems = new ArrayList<>();
    Validator validator = SCHEMA.newValidator();
    try {
      validator.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      validator.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      validator.setErrorHandler(
          new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {}

            @Override
            public void error(SAXParseException e) {
              problems.add(e.getLineNumber() + ": " + e.getMessage());
            }

            @Override
            public void fatalError(SAXParseException e) {
              problems.add(e.getLineNumber() + ": " + e.getMessage());
            }
          });
      validator.validate(new StreamSource(document));
    } catch (SAXException e) {
      if (problems.isEmpty()) {
        problems.add(e.getMessage());
      }
    }
    return problems;
  }

  /** Resolves schema imports and includes from /odm/ by file name; anything else is an error. */
  private static final class LocalResolver implements LSResourceResolver {
    @Override
    public LSInput resolveResource(
        String type, String namespaceUri, String publicId, String systemId, String baseUri) {
      if (systemId == null) {
        throw new IllegalStateException("schema import of " + namespaceUri + " without a location");
      }
      String fileName = systemId.substring(systemId.lastIndexOf('/') + 1);
      URL url = resource(fileName);
      return new Input(publicId, url.toExternalForm(), baseUri, url);
    }
  }

  private record Input(String publicId, String systemId, String baseUri, URL url)
      implements LSInput {
    @Override
    public InputStream getByteStream() {
      try {
        return url.openStream();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String getPublicId() {
      return publicId;
    }

    @Override
    public String getSystemId() {
      return systemId;
    }

    @Override
    public String getBaseURI() {
      return baseUri;
    }

    @Override
    public Reader getCharacterStream() {
      return null;
    }

    @Override
    public void setCharacterStream(Reader r) {}

    @Override
    public void setByteStream(InputStream s) {}

    @Override
    public String getStringData() {
      return null;
    }

    @Override
    public void setStringData(String s) {}

    @Override
    public void setSystemId(String s) {}

    @Override
    public void setPublicId(String s) {}

    @Override
    public void setBaseURI(String s) {}

    @Override
    public String getEncoding() {
      return null;
    }

    @Override
    public void setEncoding(String s) {}

    @Override
    public boolean getCertifiedText() {
      return false;
    }

    @Override
    public void setCertifiedText(boolean b) {}
  }
}
