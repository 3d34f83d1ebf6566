package org.shockreg.server.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Writes a search page's curated entries from the JSON text rendered from their rows ({@link
 * RenderedJson}) instead of HAPI's encoding of the mapped resources. HAPI still writes everything
 * else as always (headers, content type, gzip, Bundle id, meta, total, links, fullUrl, search
 * mode): just before it does, each rendered entry's resource is swapped for a placeholder, and the
 * response writer replaces each placeholder by its text. Only for the plain JSON rendering (no
 * {@code _pretty}, {@code _summary} or {@code _elements}, which HAPI applies while encoding); runs
 * after every other outgoing-response hook (authorization sees the real resources). With {@code
 * shockreg.fhir.rendered-search-json=false} no row is rendered, so nothing is swapped.
 */
public final class RenderedSearchBundles implements FhirServerInterceptor {

  private static final String TEXTS = RenderedSearchBundles.class.getName() + ".texts";
  private static final String PLACEHOLDER_ID = "sr-rendered-";

  private final AtomicLong renderedEntries = new AtomicLong();

  /** Entries written from rendered text since start. */
  public long renderedEntries() {
    return renderedEntries.get();
  }

  @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 1000)
  public boolean swapRenderedEntries(RequestDetails request, IBaseResource resource) {
    if (!(resource instanceof Bundle bundle)
        || bundle.getType() != Bundle.BundleType.SEARCHSET
        || !plainJson(request)) {
      return true;
    }
    List<String> texts = new ArrayList<>();
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      String text = entry.hasResource() ? RenderedJson.of(entry.getResource()) : null;
      if (text != null) {
        entry.setResource(new Basic().setId(PLACEHOLDER_ID + texts.size()));
        texts.add(text);
      }
    }
    if (!texts.isEmpty()) {
      request.getUserData().put(TEXTS, texts);
      renderedEntries.addAndGet(texts.size());
    }
    return true;
  }

  @Hook(Pointcut.SERVER_OUTGOING_WRITER_CREATED)
  public Writer substitute(Writer writer, RequestDetails request) {
    @SuppressWarnings("unchecked")
    List<String> texts = (List<String>) request.getUserData().remove(TEXTS);
    return texts == null ? writer : new SubstitutingWriter(writer, texts);
  }

  /** The request asks for HAPI's plain JSON: no options that change how a resource is encoded. */
  private static boolean plainJson(RequestDetails request) {
    RestfulServerUtils.ResponseEncoding encoding =
        RestfulServerUtils.determineResponseEncodingNoDefault(
            request, request.getServer().getDefaultResponseEncoding());
    EncodingEnum format =
        encoding != null
            ? encoding.getEncoding()
            : request.getServer().getDefaultResponseEncoding();
    if (format != EncodingEnum.JSON
        || RestfulServerUtils.prettyPrintResponse(request.getServer(), request)) {
      return false;
    }
    Set<SummaryEnum> summary = RestfulServerUtils.determineSummaryMode(request);
    if (summary != null && !summary.isEmpty() && !summary.equals(Set.of(SummaryEnum.FALSE))) {
      return false;
    }
    return request.getParameters().keySet().stream().noneMatch(p -> p.startsWith("_elements"));
  }

  /**
   * Holds the page's JSON and, when HAPI closes the writer, writes it with each placeholder
   * resource ({@code {"resourceType":"Basic","id":"sr-rendered-<n>"}}, in entry order) replaced by
   * the n-th text. A placeholder cannot occur inside a JSON string (its quotes would be escaped).
   */
  static final class SubstitutingWriter extends Writer {

    private final Writer target;
    private final List<String> texts;
    private final StringBuilder page = new StringBuilder(64 * 1024);
    private boolean closed;

    SubstitutingWriter(Writer target, List<String> texts) {
      this.target = target;
      this.texts = texts;
    }

    @Override
    public void write(char[] chars, int off, int len) {
      page.append(chars, off, len);
    }

    @Override
    public void write(String s, int off, int len) {
      page.append(s, off, off + len);
    }

    @Override
    public void write(int c) {
      page.append((char) c);
    }

    @Override
    public void flush() {
      // the page goes out whole at close: a placeholder may still be incomplete here
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      int from = 0;
      for (int i = 0; i < texts.size(); i++) {
        String placeholder = "{\"resourceType\":\"Basic\",\"id\":\"" + PLACEHOLDER_ID + i + "\"}";
        int at = page.indexOf(placeholder, from);
        if (at < 0) {
          throw new IOException("rendered search entry " + i + " not found in the page");
        }
        target.append(page, from, at).append(texts.get(i));
        from = at + placeholder.length();
      }
      target.append(page, from, page.length());
      target.close();
    }
  }
}
