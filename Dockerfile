# Multi-stage image of the engine. The public librdkafka.redist package (restored with the build)
# supplies the native library, so no native build happens here.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/StreamAnalytics.Cli -c Release -o /app --no-self-contained

# The metrics endpoint runs on Kestrel, so the runtime image is the ASP.NET Core one.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app /app
COPY jobs /app/jobs
RUN useradd --system --uid 10001 --no-create-home streamanalytics
USER 10001
EXPOSE 9464
# The binary probes itself: the image has no curl, and /bin/sh is dash, which has no /dev/tcp. `probe` GETs /readyz on
# the port of STREAMANALYTICS_METRICS_BIND (default 9464) and exits 1 with the reason unless it answers 200. The
# start period covers restoring open traces from the changelog.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["dotnet", "/app/streamanalytics.dll", "probe", "--timeout", "4s"]
ENTRYPOINT ["dotnet", "/app/streamanalytics.dll"]
CMD ["--help"]
