package org.shockreg.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** ShockReg in one process: FHIR server, intake, Camel routes, embedded or external PostgreSQL. */
@SpringBootApplication(scanBasePackages = "org.shockreg")
@ConfigurationPropertiesScan("org.shockreg")
public class ShockRegApplication {

  private static final String TRANSFORMER_FACTORY = "javax.xml.transform.TransformerFactory";

  public static void main(String[] args) {
    // JAXP's TransformerFactory lookup finds Saxon (brought in by HAPI's utilities) on the class
    // path, and Spring MVC's XML message converter initialises it at every start (~220 classes);
    // nothing here runs XSLT, so the JDK's own implementation answers unless one is set.
    if (System.getProperty(TRANSFORMER_FACTORY) == null) {
      System.setProperty(
          TRANSFORMER_FACTORY,
          "com.sun.org.apache.xalan.internal.xsltc.trax.TransformerFactoryImpl");
    }
    SpringApplication.run(ShockRegApplication.class, args);
  }
}
