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
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q 200 <&3"]
ENTRYPOINT ["dotnet", "/app/streamanalytics.dll"]
CMD ["--help"]
