# GridCity server image. Used by docker-compose.yml; nothing else in the project needs Docker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /src
COPY . .
# Front-end packages (Leaflet, SignalR client, ...) come from npm at build time.
RUN if [ -f src/Grid.Web/package.json ]; then \
      cd src/Grid.Web && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
                         else npm install --no-audit --no-fund; fi; \
    fi
RUN dotnet publish src/Grid.Server -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Grid.Server.dll"]
