package org.shockreg.server.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The web console (docs/console.md): static files under {@code classpath:/static/console/}, charts
 * from WebJars under {@code /webjars/}. Neither needs a token; the page asks for one and sends it
 * to the API as a bearer token, so the console has no server-side session and no logic of its own.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleConfiguration implements WebMvcConfigurer {

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    // static resources have no directory index: /console/ is the page, /console its address too
    registry.addRedirectViewController("/console", "/console/");
    registry.addViewController("/console/").setViewName("forward:/console/index.html");
  }
}
