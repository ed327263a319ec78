import { defineScript } from "../powershell.ts";

/**
 * Applies a WindowsNetworkSpec (src/os/windows/network-spec.ts), given on stdin, idempotently:
 * every adapter is looked up first (the query read-facts made), so a missing one stops the run
 * before the first change. Then per adapter and family: stale configuration out, DHCP, missing
 * addresses and routes in, router discovery, MTU, metric, DNS; then the DNS suffixes.
 *
 * What "configured" means is the persistent store: the addresses and routes that survive a restart
 * are exactly the manual ones (DHCP's and RA's live in the active store only). Those not in the spec
 * are removed from both stores; what is missing is added to both (New-NetIPAddress/New-NetRoute's
 * default), after removing a same address or route held in the active store only (a DHCP lease, a
 * manual test), which would make New-* fail as already there.
 *
 * Locale: nothing parses text Windows wrote for people. Addresses are compared after
 * [IPAddress]::Parse (Windows adds "%zone" to link-local ones), enums by their names. Queries that
 * may find nothing use -ErrorAction SilentlyContinue: those cmdlets report "no match" as an error.
 */
export const SET_NETWORK = defineScript(
  "set-network",
  String.raw`
$ConfirmPreference = 'None'

function Say([string]$text) { [Console]::Out.WriteLine($text) }

function ConvertTo-Ip([string]$text) { [System.Net.IPAddress]::Parse(($text -split '%')[0]).ToString() }

function Get-AddressKey([string]$ip, $prefixLength) { (ConvertTo-Ip $ip) + '/' + [int]$prefixLength }

function Get-RouteKey([string]$prefix, [string]$nextHop) {
  $parts = $prefix -split '/'
  (Get-AddressKey $parts[0] $parts[1]) + ' via ' + (ConvertTo-Ip $nextHop)
}

function Get-Stored([string]$kind, [int]$index, [string]$family, [string]$store) {
  if ($kind -eq 'address') { return @(Get-NetIPAddress -InterfaceIndex $index -AddressFamily $family -PolicyStore $store -ErrorAction SilentlyContinue) }
  @(Get-NetRoute -InterfaceIndex $index -AddressFamily $family -PolicyStore $store -ErrorAction SilentlyContinue)
}

# By IP alone: one address cannot be held twice, whatever its prefix length.
function Remove-Address([int]$index, [string]$family, [string]$ip) {
  foreach ($store in @('PersistentStore', 'ActiveStore')) {
    foreach ($a in @(Get-Stored 'address' $index $family $store | Where-Object { (ConvertTo-Ip $_.IPAddress) -eq $ip })) {
      Remove-NetIPAddress -InputObject $a -Confirm:$false
    }
  }
}

# In the active store, only manual routes: the subnet's own on-link route is the system's.
function Remove-Route([int]$index, [string]$family, [string]$key) {
  foreach ($store in @('PersistentStore', 'ActiveStore')) {
    $matching = @(Get-Stored 'route' $index $family $store | Where-Object { ($store -eq 'PersistentStore' -or [string]$_.Protocol -eq 'NetMgmt') -and (Get-RouteKey $_.DestinationPrefix $_.NextHop) -eq $key })
    foreach ($r in $matching) { Remove-NetRoute -InputObject $r -Confirm:$false }
  }
}

function On([bool]$on) { if ($on) { 'Enabled' } else { 'Disabled' } }

function Find-Adapter($spec) {
  $found = @(Get-NetAdapter -IncludeHidden | Where-Object { [string]$_.MacAddress -eq [string]$spec.mac })
  if ($found.Count -eq 1) { return $found[0] }
  $names = ($found | ForEach-Object { "'" + $_.Name + "'" }) -join ', '
  if ($found.Count -eq 0) { throw "no network adapter has MAC $($spec.mac) (planned for '$($spec.name)', interface $($spec.interface)): nothing was changed" }
  throw "$($found.Count) network adapters have MAC $($spec.mac) ($names): nothing was changed"
}

# Windows' own messages name no adapter: each failure says where it happened.
function Set-Family($adapter, [string]$family, $want) {
  try { Set-FamilyOf $adapter $family $want } catch { throw "$($family): $($_.Exception.Message)" }
}

function Set-FamilyOf($adapter, [string]$family, $want) {
  $index = [int]$adapter.ifIndex
  $label = "adapter '$($adapter.Name)' ($($adapter.MacAddress)) $family"
  $ipif = Get-NetIPInterface -InterfaceIndex $index -AddressFamily $family -ErrorAction SilentlyContinue
  if ($null -eq $ipif) {
    $needed = $want.addresses.Count -gt 0 -or $want.routes.Count -gt 0 -or $want.dns.Count -gt 0 -or $want.dhcp -eq $true -or $want.routerDiscovery -eq $true
    if ($needed) { throw "no IP interface (the adapter is disabled, or $family is unbound from it): its $family settings cannot be applied" }
    return
  }
  $addresses = @{}
  foreach ($a in $want.addresses) { $addresses[(Get-AddressKey $a.ip $a.prefixLength)] = $a }
  $routes = @{}
  foreach ($r in $want.routes) { $routes[(Get-RouteKey $r.destination $r.nextHop)] = $r }

  $haveAddresses = @{}
  foreach ($a in (Get-Stored 'address' $index $family 'PersistentStore')) {
    $key = Get-AddressKey $a.IPAddress $a.PrefixLength
    if ($addresses.ContainsKey($key)) { $haveAddresses[$key] = $true; continue }
    Remove-Address $index $family (ConvertTo-Ip $a.IPAddress)
    Say "$label removed address $key"
  }
  $haveRoutes = @{}
  foreach ($r in (Get-Stored 'route' $index $family 'PersistentStore')) {
    $key = Get-RouteKey $r.DestinationPrefix $r.NextHop
    if ($routes.ContainsKey($key) -and [int]$r.RouteMetric -eq [int]$routes[$key].metric) { $haveRoutes[$key] = $true; continue }
    Remove-Route $index $family $key
    Say "$label removed route $key"
  }

  # Before any address: a lasting static address is refused while DHCP is on.
  if ($null -ne $want.dhcp -and [string]$ipif.Dhcp -ne (On $want.dhcp)) {
    Set-NetIPInterface -InterfaceIndex $index -AddressFamily $family -Dhcp (On $want.dhcp)
    Say "$label DHCP $(On $want.dhcp)"
  }
  foreach ($a in $want.addresses) {
    $key = Get-AddressKey $a.ip $a.prefixLength
    if ($haveAddresses.ContainsKey($key)) { continue }
    Remove-Address $index $family (ConvertTo-Ip $a.ip)
    New-NetIPAddress -InterfaceIndex $index -AddressFamily $family -IPAddress $a.ip -PrefixLength ([byte]$a.prefixLength) | Out-Null
    $haveAddresses[$key] = $true
    Say "$label added address $key"
  }
  foreach ($r in $want.routes) {
    $key = Get-RouteKey $r.destination $r.nextHop
    if ($haveRoutes.ContainsKey($key)) { continue }
    Remove-Route $index $family $key
    New-NetRoute -InterfaceIndex $index -AddressFamily $family -DestinationPrefix $r.destination -NextHop $r.nextHop -RouteMetric ([uint16]$r.metric) | Out-Null
    $haveRoutes[$key] = $true
    Say "$label added route $key metric $($r.metric)"
  }

  if ($null -ne $want.routerDiscovery -and [string]$ipif.RouterDiscovery -ne (On $want.routerDiscovery)) {
    Set-NetIPInterface -InterfaceIndex $index -AddressFamily $family -RouterDiscovery (On $want.routerDiscovery)
    Say "$label router discovery $(On $want.routerDiscovery)"
  }
  if ($null -ne $want.mtu -and [int]$ipif.NlMtu -ne [int]$want.mtu) {
    Set-NetIPInterface -InterfaceIndex $index -AddressFamily $family -NlMtuBytes ([uint32]$want.mtu)
    Say "$label MTU $($want.mtu)"
  }
  if ($null -ne $want.interfaceMetric -and ([string]$ipif.AutomaticMetric -ne 'Disabled' -or [int]$ipif.InterfaceMetric -ne [int]$want.interfaceMetric)) {
    Set-NetIPInterface -InterfaceIndex $index -AddressFamily $family -AutomaticMetric Disabled -InterfaceMetric ([uint32]$want.interfaceMetric)
    Say "$label interface metric $($want.interfaceMetric)"
  }

  $client = Get-DnsClientServerAddress -InterfaceIndex $index -AddressFamily $family -ErrorAction SilentlyContinue
  if ($null -eq $client) { return }
  $servers = [string[]]@($want.dns)
  if ($servers.Count -eq 0) { Set-DnsClientServerAddress -InputObject $client -ResetServerAddresses; return }
  if ((@($client.ServerAddresses | ForEach-Object { ConvertTo-Ip $_ }) -join ',') -ne (@($servers | ForEach-Object { ConvertTo-Ip $_ }) -join ',')) {
    Set-DnsClientServerAddress -InputObject $client -ServerAddresses $servers
    Say "$label DNS servers $($servers -join ', ')"
  }
}

$work = @(foreach ($spec in $data.adapters) { [pscustomobject]@{ spec = $spec; adapter = (Find-Adapter $spec) } })
foreach ($w in $work) {
  $where = "adapter '$($w.adapter.Name)' ($($w.adapter.MacAddress))"
  try {
    Set-Family $w.adapter 'IPv4' $w.spec.ipv4
    Set-Family $w.adapter 'IPv6' $w.spec.ipv6
    $dns = Get-DnsClient -InterfaceIndex ([int]$w.adapter.ifIndex) -ErrorAction SilentlyContinue
    if ($null -ne $dns -and [string]$dns.ConnectionSpecificSuffix -ne [string]$w.spec.dnsSuffix) {
      Set-DnsClient -InterfaceIndex ([int]$w.adapter.ifIndex) -ConnectionSpecificSuffix ([string]$w.spec.dnsSuffix)
      Say "$where DNS suffix '$($w.spec.dnsSuffix)'"
    }
  } catch { throw "$($where): $($_.Exception.Message)" }
}
if ($null -ne $data.suffixSearchList) {
  $list = [string[]]@($data.suffixSearchList)
  if ((@((Get-DnsClientGlobalSetting).SuffixSearchList) -join ',') -ne ($list -join ',')) {
    Set-DnsClientGlobalSetting -SuffixSearchList $list
    Say "DNS suffix search list $($list -join ', ')"
  }
}
`,
);
